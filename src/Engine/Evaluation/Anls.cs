using System.Text;

namespace NanoVlm.Engine.Evaluation;

/// <summary>
/// Average Normalized Levenshtein Similarity, the DocVQA metric, with one pinned definition:
/// <list type="number">
/// <item>Normalise prediction and each ground-truth answer: trim, lowercase (invariant culture), collapse
/// every run of whitespace into one space.</item>
/// <item>NL = Levenshtein distance (in UTF-16 code units) of the normalised strings divided by the
/// longer normalised length (0 when both are empty).</item>
/// <item>Per answer: 1 − NL if NL &lt; 0.5, else 0 (τ = 0.5). The question scores its best answer.</item>
/// <item>The data set scores the mean over questions, as a fraction in [0, 1] (papers print ×100).</item>
/// </list>
/// This is the definition of the DocVQA paper and challenge (Biten et al., ST-VQA / Mathew et al.).
/// <para>
/// Where lmms-eval's <c>anls</c> (<c>lmms_eval/api/metrics.py</c>), which produced nanoVLM's published
/// DocVQA numbers, differs (spec §7.1):
/// (a) its denominator is <c>max(len(answer.upper()), len(pred.upper()))</c> on the raw strings, before
/// trimming and whitespace collapsing, while the distance uses the normalised strings, so padding or
/// repeated spaces in either string raise its score; (b) it applies the threshold after taking
/// 1 − min NL and zeroes only scores below 0.5, so NL = 0.5 exactly scores 0.5 there and 0 here;
/// (c) Python's <c>upper()</c>/<c>lower()</c> are full Unicode case mappings ("ß".upper() is "SS"),
/// which can change lengths, where here lowercasing is per character. On ordinary answers (no padding,
/// single spaces, NL ≠ 0.5) both give the same number. <see cref="LmmsEvalScore"/> reproduces lmms-eval
/// for comparing with published figures; the product reports <see cref="Score"/>.
/// </para>
/// </summary>
public static class Anls
{
    /// <summary>τ: answers at or beyond this normalised distance score 0.</summary>
    public const double Threshold = 0.5;

    /// <summary>The score of one prediction against its accepted answers; 0 when there are none.</summary>
    public static double Score(string prediction, IEnumerable<string> answers)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(answers);
        var normalisedPrediction = Normalize(prediction);
        var best = 0.0;
        foreach (var answer in answers)
        {
            var normalisedAnswer = Normalize(answer);
            var longer = Math.Max(normalisedAnswer.Length, normalisedPrediction.Length);
            var distance = longer == 0 ? 0.0 : (double)Levenshtein(normalisedAnswer, normalisedPrediction) / longer;
            var similarity = distance < Threshold ? 1.0 - distance : 0.0;
            best = Math.Max(best, similarity);
        }
        return best;
    }

    /// <summary>The mean of <see cref="Score"/> over questions; 0 for no questions.</summary>
    public static double Mean(IEnumerable<(string Prediction, IReadOnlyList<string> Answers)> questions)
    {
        ArgumentNullException.ThrowIfNull(questions);
        var total = 0.0;
        var count = 0;
        foreach (var (prediction, answers) in questions)
        {
            total += Score(prediction, answers);
            count++;
        }
        return count == 0 ? 0.0 : total / count;
    }

    /// <summary>
    /// lmms-eval's variant, for comparison with published numbers only (see the class remarks):
    /// raw-length denominator, threshold applied to the best similarity, 0.5 kept.
    /// </summary>
    public static double LmmsEvalScore(string prediction, IEnumerable<string> answers)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(answers);
        var normalisedPrediction = Normalize(prediction);
        var minDistance = double.PositiveInfinity;
        foreach (var answer in answers)
        {
            var length = Math.Max(answer.ToUpperInvariant().Length, prediction.ToUpperInvariant().Length);
            var distance = length == 0 ? 0.0 : (double)Levenshtein(Normalize(answer), normalisedPrediction) / length;
            minDistance = Math.Min(minDistance, distance);
        }
        if (double.IsPositiveInfinity(minDistance))
        {
            return 0.0; // lmms-eval fails on an empty answer list; no answers scores nothing here
        }
        var score = 1.0 - minDistance;
        return score < Threshold ? 0.0 : score;
    }

    /// <summary>Trim, lowercase (invariant), and collapse whitespace runs to one space.</summary>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new StringBuilder(text.Length);
        var pendingSpace = false;
        foreach (var character in text)
        {
            if (char.IsWhiteSpace(character))
            {
                pendingSpace = builder.Length > 0;
                continue;
            }
            if (pendingSpace)
            {
                builder.Append(' ');
                pendingSpace = false;
            }
            builder.Append(char.ToLowerInvariant(character));
        }
        return builder.ToString();
    }

    /// <summary>Edit distance (insert, delete, substitute, each cost 1) over UTF-16 code units.</summary>
    public static int Levenshtein(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Length < b.Length)
        {
            (a, b) = (b, a);
        }
        // Two rows over the shorter string.
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
