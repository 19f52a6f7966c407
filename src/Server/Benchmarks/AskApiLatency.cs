using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using NanoVlm.Engine.Benchmarks;

namespace NanoVlm.Server.Benchmarks;

/// <summary>
/// Time to first token of <c>POST /api/ask</c> as a client sees it: from sending the request (the image included) to
/// the first streamed <c>token</c> event, against a running server over loopback. Measured, never asserted.
/// </summary>
public static class AskApiLatency
{
    /// <param name="Answers">measured answers (after the warm-up ones)</param>
    /// <param name="MedianClientMsToFirstToken">request sent → first token event received</param>
    /// <param name="MedianServerMsToFirstToken">the answerer's own figure (image preprocessing and prefill), reported in the done event</param>
    /// <param name="MedianMsBeforeAnswering">per answer, client figure minus server figure: what the request costs before the model
    /// starts (sending and reading the form, decoding, storing, queueing); less sensitive to a busy machine than either figure</param>
    /// <param name="MedianClientMsTotal">request sent → done event received</param>
    public sealed record Figures(string Model, bool KeepHistory, int Answers, double MedianClientMsToFirstToken, double MedianServerMsToFirstToken,
        double MedianMsBeforeAnswering, double MedianClientMsTotal, double MedianTokens);

    public static async Task<Figures> MeasureAsync(Uri server, byte[] png, string model, bool keepHistory, int answers, int warmups, int maxNewTokens,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(png);
        using var http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromMinutes(5) };
        var samples = new List<(double ClientFirst, double ServerFirst, double ClientTotal, int Tokens)>();
        for (var i = 0; i < warmups + answers; i++)
        {
            var sample = await AskOnceAsync(http, png, model, keepHistory, maxNewTokens, cancellationToken);
            if (i >= warmups) samples.Add(sample);
        }
        return new Figures(model, keepHistory, samples.Count, Measure.Median([.. samples.Select(s => s.ClientFirst)]),
            Measure.Median([.. samples.Select(s => s.ServerFirst)]), Measure.Median([.. samples.Select(s => s.ClientFirst - s.ServerFirst)]),
            Measure.Median([.. samples.Select(s => s.ClientTotal)]),
            Measure.Median([.. samples.Select(s => (double)s.Tokens)]));
    }

    private static async Task<(double ClientFirst, double ServerFirst, double ClientTotal, int Tokens)> AskOnceAsync(HttpClient http, byte[] png,
        string model, bool keepHistory, int maxNewTokens, CancellationToken cancellationToken)
    {
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(png) { Headers = { ContentType = new MediaTypeHeaderValue("image/png") } }, "image", "page.png" },
            { new StringContent("What is the total amount?"), "question" },
            { new StringContent(model), "model" },
            { new StringContent(maxNewTokens.ToString(CultureInfo.InvariantCulture)), "max_new_tokens" },
            { new StringContent(keepHistory ? "true" : "false"), "history" },
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/ask", UriKind.Relative)) { Content = form };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        var clock = Stopwatch.StartNew();
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST /api/ask: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        double? clientFirst = null;
        string? lastEvent = null;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                lastEvent = line["event: ".Length..];
                // An answer that ends at once has no token event: its first token is the end of sequence, at done.
                clientFirst ??= clock.Elapsed.TotalMilliseconds;
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && lastEvent == "done")
            {
                var total = clock.Elapsed.TotalMilliseconds;
                using var done = JsonDocument.Parse(line["data: ".Length..]);
                return (clientFirst!.Value, done.RootElement.GetProperty("ms_to_first_token").GetDouble(), total, done.RootElement.GetProperty("tokens").GetInt32());
            }
        }
        throw new InvalidOperationException("POST /api/ask ended without a done event.");
    }
}
