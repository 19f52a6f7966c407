using System.Text.Json.Nodes;

namespace NanoVlm.Engine.Data;

/// <summary>
/// An extra pass over the usable samples during <see cref="DatasetInspector.Inspect(IDocVqaReader, InspectOptions?, CancellationToken)"/>,
/// such as the token-length preflight (<c>--model --max-length</c>). It sees every sample that survived
/// reading (and image verification, when on) and adds its summary to the result under
/// <see cref="ResultKey"/>.
/// </summary>
public interface IInspectionObserver
{
    /// <summary>The key of this observer's summary in the inspect JSON, e.g. <c>"lengths"</c>.</summary>
    string ResultKey { get; }

    void Observe(DocVqaSample sample);

    /// <summary>Called once after the last sample.</summary>
    JsonNode? Summarize();
}
