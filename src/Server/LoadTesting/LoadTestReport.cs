using System.Globalization;

namespace NanoVlm.Server.LoadTesting;

/// <summary>What one load test measured.</summary>
public sealed record LoadTestReport(
    int Viewers,
    int Pollers,
    double Seconds,
    double UnloadedTokensPerSecondBefore,
    double UnloadedTokensPerSecondAfter,
    double LoadedTokensPerSecond,
    long StepsTrained,
    bool StoredStepsContiguous,
    long MetricsDelivered,
    long MetricsExpected,
    long PollRequests,
    int QuestionsAnswered,
    double MedianQuestionMs,
    int Errors,
    IReadOnlyList<string> ErrorSamples,
    long BaselineWorkingSetBytes,
    long PeakWorkingSetBytes)
{
    public long MetricsLost => MetricsExpected - MetricsDelivered;

    public double UnloadedTokensPerSecond => (UnloadedTokensPerSecondBefore + UnloadedTokensPerSecondAfter) / 2;

    public bool Passed => Errors == 0 && MetricsLost == 0 && StoredStepsContiguous;

    public IEnumerable<string> Lines()
    {
        var culture = CultureInfo.InvariantCulture;
        yield return string.Create(culture, $"load: {Viewers} SignalR viewers, {Pollers} API pollers and playground questions for {Seconds:0} s during a tiny training run");
        yield return string.Create(culture, $"training throughput   unloaded {UnloadedTokensPerSecondBefore:0.0} tok/s before, {UnloadedTokensPerSecondAfter:0.0} tok/s after   under load {LoadedTokensPerSecond:0.0} tok/s   ({(UnloadedTokensPerSecond > 0 ? LoadedTokensPerSecond / UnloadedTokensPerSecond : 0):0.00}x the unloaded mean)");
        yield return string.Create(culture, $"steps trained         {StepsTrained} (stored steps contiguous: {(StoredStepsContiguous ? "yes" : "NO")})");
        yield return string.Create(culture, $"metrics delivered     {MetricsDelivered} of {MetricsExpected} to the viewers (lost {MetricsLost})");
        yield return string.Create(culture, $"poll requests         {PollRequests}");
        yield return string.Create(culture, $"questions answered    {QuestionsAnswered} (median {MedianQuestionMs:0} ms)");
        yield return string.Create(culture, $"errors                {Errors}");
        foreach (var sample in ErrorSamples) yield return "  " + sample;
        yield return string.Create(culture, $"memory (working set)  {BaselineWorkingSetBytes / 1048576.0:0} MiB before, {PeakWorkingSetBytes / 1048576.0:0} MiB peak");
        yield return Passed ? "result: PASS" : "result: FAIL";
    }
}
