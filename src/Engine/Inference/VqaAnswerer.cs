using System.Diagnostics;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Vision;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Inference;

/// <summary>
/// Answers a question about one document image: decode under limits, preprocess as the reference does, build the
/// ChatML prompt, and decode with the KV cache, streaming text as it is produced. Runs synchronously on the
/// calling thread (TorchSharp scopes are per thread): callers put it on a thread of their own.
/// </summary>
public sealed class VqaAnswerer(LoadedVlm model, SafeImageDecoder decoder)
{
    public LoadedVlm Model { get; } = model;

    /// <param name="onText">receives each new piece of the answer text as it is decoded</param>
    public AskResult Ask(byte[] image, string question, AskOptions options, Action<string>? onText = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(question);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems));
        }
        using var decoded = decoder.Decode(image);
        return Ask(decoded, question, options, onText, cancellationToken);
    }

    public AskResult Ask(SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24> image, string question, AskOptions options,
        Action<string>? onText = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        var tokenizer = Model.Tokenizer;
        var config = Model.Config;
        using var scope = NewDisposeScope();
        using var processed = Model.ImageProcessor.Process(image);
        var promptIds = VqaPrompt.Build(tokenizer, [(processed.GridRows, processed.GridColumns)], config.MpImageTokenLength, question);
        var device = Model.Model.Device;
        var inputIds = tensor(promptIds.Select(id => (long)id).ToArray(), dtype: ScalarType.Int64, device: device).unsqueeze(0); // [1, T]

        var generated = new List<int>();
        var emitted = "";
        var msToFirstToken = double.NaN;
        var stopped = false;
        try
        {
            VlmGeneration.Generate(Model.Model, inputIds, processed.PixelValues.to(device), attentionMask: null, options.ToGeneration(tokenizer.EosTokenId),
                onStep: (_, tokens) =>
                {
                    if (double.IsNaN(msToFirstToken)) msToFirstToken = clock.Elapsed.TotalMilliseconds;
                    if (tokens[0] == tokenizer.EosTokenId) return;
                    generated.Add((int)tokens[0]);
                    // Decode the whole answer each time and emit the new tail: byte-level BPE tokens can split a
                    // character, and the tail is only final once the bytes form whole characters again.
                    var text = tokenizer.Tokenizer.Decode(generated, skipSpecialTokens: true);
                    if (text.Length > emitted.Length && !text.EndsWith('\uFFFD') && text.StartsWith(emitted, StringComparison.Ordinal))
                    {
                        onText?.Invoke(text[emitted.Length..]);
                        emitted = text;
                    }
                },
                cancellationToken: cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            stopped = true;
        }
        var answer = tokenizer.Tokenizer.Decode(generated, skipSpecialTokens: true);
        if (answer.Length > emitted.Length && answer.StartsWith(emitted, StringComparison.Ordinal))
        {
            onText?.Invoke(answer[emitted.Length..]);
        }
        return new AskResult(answer.Trim(), generated.Count, double.IsNaN(msToFirstToken) ? clock.Elapsed.TotalMilliseconds : msToFirstToken,
            clock.Elapsed.TotalMilliseconds, ImageTokenString.PlaceholderCount(processed.GridRows, processed.GridColumns, config.MpImageTokenLength), stopped);
    }
}
