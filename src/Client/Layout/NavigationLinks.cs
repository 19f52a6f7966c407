using Microsoft.AspNetCore.Components.Routing;
using MudBlazor;

namespace NanoVlm.Client.Layout;

/// <summary>One entry of the side navigation.</summary>
public sealed record NavigationLink(string Title, string Href, string Icon, NavLinkMatch Match);

/// <summary>The dashboard's sections, in the order the drawer shows them.</summary>
public static class NavigationLinks
{
    public static IReadOnlyList<NavigationLink> All { get; } =
    [
        new("Runs", "runs", Icons.Material.Filled.ShowChart, NavLinkMatch.All),
        new("New run", "runs/new", Icons.Material.Filled.PlayCircleOutline, NavLinkMatch.All),
        new("Playground", "playground", Icons.Material.Filled.QuestionAnswer, NavLinkMatch.Prefix),
        new("Models", "models", Icons.Material.Filled.Memory, NavLinkMatch.Prefix),
    ];
}
