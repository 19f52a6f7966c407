namespace NanoVlm.Engine.Data.Synthetic;

/// <summary>
/// A question about a generated document. <see cref="Answers"/>[0] is the text exactly as drawn on the page (or
/// the exact fact the drawing shows, for colours, counts and positions) and is the training target; the others are
/// accepted alternative spellings, as DocVQA's answer lists hold.
/// </summary>
/// <param name="QuestionType">DocVQA's question_types vocabulary: "layout", "table/list", "form", "free_text", "figure/diagram".</param>
public sealed record SyntheticQuestion(string Question, IReadOnlyList<string> Answers, string QuestionType)
{
    public string Answer => Answers[0];

    public static SyntheticQuestion Of(string question, string answer, string questionType, params string[] alternatives) =>
        new(question, [answer, .. alternatives.Where(a => a != answer).Distinct()], questionType);
}

/// <summary>DocVQA's question type names used by the generator.</summary>
public static class QuestionTypes
{
    public const string Layout = "layout";
    public const string TableList = "table/list";
    public const string Form = "form";
    public const string FreeText = "free_text";
    public const string Figure = "figure/diagram";
}
