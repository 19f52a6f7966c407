using MudBlazor;

namespace NanoVlm.Client.Layout;

/// <summary>The dashboard's colours and type; one place to change the look.</summary>
public static class AppTheme
{
    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3949ab",
            Secondary = "#00897b",
            AppbarBackground = "#283593",
            Error = "#d32f2f",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = ["Inter", "DejaVu Sans", "Helvetica", "Arial", "sans-serif"] },
        },
    };
}
