using NanoVlm.Engine.Evaluation;

namespace NanoVlm.Engine.Tests.Evaluation;

public sealed class AnlsReportTests
{
    [Fact]
    public void ReportsTheMeanOverallAndPerQuestionType()
    {
        var report = new AnlsReport();

        Assert.Equal(1.0, report.Add("cat", ["cat"], ["form"]), 12);
        Assert.Equal(4.0 / 7.0, report.Add("sitting", ["kitten"], ["form", "table/list", "form"]), 12);
        Assert.Equal(0.0, report.Add("xyz", ["abc"]), 12);

        Assert.Equal(3, report.Questions);
        Assert.Equal((1.0 + 4.0 / 7.0) / 3.0, report.Overall, 12);
        var groups = report.ByQuestionType();
        Assert.Equal(["(untyped)", "form", "table/list"], groups.Select(group => group.Name));
        Assert.Equal((1, 0.0), (groups[0].Questions, groups[0].Anls));
        Assert.Equal(2, groups[1].Questions);
        Assert.Equal((1.0 + 4.0 / 7.0) / 2.0, groups[1].Anls, 12);
        Assert.Equal((1, 4.0 / 7.0), (groups[2].Questions, groups[2].Anls));
    }

    [Fact]
    public void AnEmptyReportIsZeroAndOutOfRangeScoresAreRefused()
    {
        var report = new AnlsReport();
        Assert.Equal(0.0, report.Overall);
        Assert.Empty(report.ByQuestionType());
        Assert.Throws<ArgumentOutOfRangeException>(() => report.AddScore(1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => report.AddScore(double.NaN));
    }
}
