using System.Text.Json;
using System.Text.Json.Nodes;
using NanoVlm.Engine.Data.Collation;
using NanoVlm.Engine.Vision;

namespace NanoVlm.Engine.Data.Preflight;

/// <summary>
/// The token-length preflight as a pass of <c>dataset inspect --model --max-length</c>: converts up to
/// <paramref name="sampleLimit"/> usable samples and reports <see cref="LengthPreflightReport"/> under "lengths".
/// Samples whose images cannot be read are left to the inspection's own problem list.
/// </summary>
public sealed class LengthPreflightObserver(SampleEncoder encoder, SafeImageDecoder decoder, int sampleLimit = LengthPreflight.DefaultSampleLimit)
    : IInspectionObserver
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private readonly List<VqaSample> _samples = [];

    public string ResultKey => "lengths";

    public LengthPreflightReport? Report { get; private set; }

    public void Observe(DocVqaSample sample)
    {
        if (_samples.Count >= sampleLimit)
        {
            return;
        }
        try
        {
            _samples.Add(DocVqaSampleConversion.ToVqaSample(sample, decoder));
        }
        catch (Exception e) when (e is ImageRejectedException or ImageUnavailableException)
        {
            // Reported by the inspection's image verification; the preflight measures usable samples only.
        }
    }

    public JsonNode? Summarize()
    {
        Report = LengthPreflight.Run(_samples, encoder, sampleLimit);
        var node = JsonSerializer.SerializeToNode(Report with { SortedLengths = [] }, Json)!.AsObject();
        node.Remove("sorted_lengths");
        return node;
    }
}
