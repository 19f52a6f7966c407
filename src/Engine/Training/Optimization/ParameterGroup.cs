using NanoVlm.Engine.Model;
using TorchSharp.Modules;

namespace NanoVlm.Engine.Training.Optimization;

/// <summary>One AdamW parameter group: a model component with its own peak learning rate.</summary>
/// <param name="Name">"mp", "vision" or "language"</param>
/// <param name="Parameters">nanoVLM state-dict names and parameters, in <c>named_parameters()</c> order</param>
public sealed record ParameterGroup(string Name, double PeakLearningRate, IReadOnlyList<(string Name, Parameter Parameter)> Parameters);

/// <summary>
/// nanoVLM's three groups (spec §4.2): projector <c>MP</c>, <c>vision_encoder</c>, <c>decoder</c> (the tied
/// embedding/head once). A group whose learning rate is 0 is left out and its parameters stop requiring gradients,
/// as the reference does.
/// </summary>
public static class ParameterGroups
{
    public const string Projector = "mp";
    public const string Vision = "vision";
    public const string Language = "language";

    public static IReadOnlyList<ParameterGroup> Build(VisionLanguageModel model, TrainingConfig config)
    {
        (string Group, string Prefix, double Lr)[] plan =
        [
            (Projector, "MP.", config.LrMp),
            (Vision, "vision_encoder.", config.LrVision),
            (Language, "decoder.", config.LrLanguage),
        ];
        var all = model.named_parameters().ToList();
        var groups = new List<ParameterGroup>();
        foreach (var (group, prefix, lr) in plan)
        {
            var members = all.Where(p => p.name.StartsWith(prefix, StringComparison.Ordinal)).ToList();
            foreach (var (_, parameter) in members) parameter.requires_grad = lr > 0;
            if (lr > 0 && members.Count > 0) groups.Add(new ParameterGroup(group, lr, members));
        }
        var unassigned = all.Where(p => !plan.Any(g => p.name.StartsWith(g.Prefix, StringComparison.Ordinal))).Select(p => p.name).ToList();
        if (unassigned.Count > 0)
            throw new InvalidOperationException($"Parameters outside every group: {string.Join(", ", unassigned)}.");
        return groups;
    }
}
