namespace NanoVlm.Engine.Data;

/// <summary>A data set's format and the path its reader takes (a folder can resolve to the one JSON file in it).</summary>
public sealed record DetectedDataset(DocVqaFormat Format, string Path);
