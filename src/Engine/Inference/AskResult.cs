namespace NanoVlm.Engine.Inference;

/// <summary>An answer and what it cost.</summary>
/// <param name="Stopped">true when the caller cancelled before the answer was complete</param>
public sealed record AskResult(string Answer, int Tokens, double MsToFirstToken, double MsTotal, int ImageTokens, bool Stopped);
