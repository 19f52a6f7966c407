using NanoVlm.Engine.Vision;

namespace NanoVlm.Engine.Tests.Vision.HostileFiles;

/// <summary>One generated file, the name a client would send it under, and what the decoder must make of it.</summary>
public sealed record HostileFile(string Name, string FileName, byte[] Bytes, HostileOutcome Expected)
{
    public override string ToString() => Name;
}

/// <summary>What must happen to a hostile file.</summary>
public abstract record HostileOutcome;

/// <summary>Decoded, as <paramref name="MimeType"/>, to an upright image of this size whose listed pixels have these colours.</summary>
public sealed record Accepted(string MimeType, int Width, int Height, params ExpectedPixel[] Pixels) : HostileOutcome;

/// <summary>Refused for <paramref name="Reason"/> with a message containing <paramref name="MessageFragment"/>.</summary>
public sealed record Rejected(ImageRejectionReason Reason, string MessageFragment) : HostileOutcome;

/// <summary>A pixel of the decoded image, each channel within <paramref name="Tolerance"/> (lossy formats drift).</summary>
public sealed record ExpectedPixel(int X, int Y, byte R, byte G, byte B, int Tolerance = 24);
