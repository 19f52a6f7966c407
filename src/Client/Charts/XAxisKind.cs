namespace NanoVlm.Client.Charts;

/// <summary>What the charts' X axis counts.</summary>
public enum XAxisKind
{
    Step,
    Tokens,
    WallTime,
}
