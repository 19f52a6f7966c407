using NanoVlm.Client.Services;

namespace NanoVlm.Client.Playground;

/// <summary>
/// Which listed models hold trained weights, and which one a newcomer's playground opens with. A preset and a run's
/// step-0 checkpoint are random weights: they answer with gibberish, so they are never the default while anything
/// trained is listed.
/// </summary>
public static class TrainedModels
{
    /// <summary>A checkpoint a run wrote after training at least one step, or one a person registered or imported.</summary>
    public static bool IsTrained(ModelChoice model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return ModelIds.DirectoryOf(model.Id) is not null && model.Run is not { Step: <= 0 };
    }

    public static bool Exist(IReadOnlyList<ModelChoice> models)
    {
        ArgumentNullException.ThrowIfNull(models);
        return models.Any(IsTrained);
    }

    /// <summary>
    /// The best checkpoint of the most recently completed run (its latest when none is marked best); without a
    /// completed run, the newest run's best or latest trained checkpoint; then a registered or imported model; then the
    /// first listed model (a preset). Null when nothing is listed.
    /// </summary>
    /// <param name="models">as the catalog lists them: run checkpoints newest run first</param>
    public static ModelChoice? Default(IReadOnlyList<ModelChoice> models, IReadOnlyList<RunSummary> runs)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(runs);
        var trained = models.Where(IsTrained).ToList();
        var completed = runs.Where(r => r.Status == RunStatus.Completed).OrderByDescending(r => r.EndedAt ?? r.CreatedAt);
        foreach (var run in completed)
        {
            if (BestOf(trained.Where(m => m.Run?.RunId == run.Id)) is { } best)
            {
                return best;
            }
        }
        var ofRuns = trained.Where(m => m.Run is not null).ToList();
        if (ofRuns.Count > 0)
        {
            var newestRun = ofRuns[0].Run!.RunId;
            return BestOf(ofRuns.Where(m => m.Run!.RunId == newestRun));
        }
        return trained.Count > 0 ? trained[0] : models.Count > 0 ? models[0] : null;
    }

    private static ModelChoice? BestOf(IEnumerable<ModelChoice> checkpoints)
    {
        var list = checkpoints.ToList();
        return list.FirstOrDefault(m => m.IsBest) ?? list.MaxBy(m => m.Run?.Step ?? 0);
    }
}
