namespace NanoVlm.Engine.Runtime;

/// <summary>The CPU instruction-set extensions that decide which precisions run fast here.</summary>
public sealed record CpuFeatures(bool Avx2, bool Avx512F, bool Avx512Bf16, bool AmxBf16)
{
    /// <summary>bf16 matrix products are hardware-accelerated (not emulated through fp32).</summary>
    public bool FastBf16 => Avx512Bf16 || AmxBf16;

    /// <summary>The flags that matter here, for display (e.g. "avx2 avx512f avx512_bf16").</summary>
    public string Summary
    {
        get
        {
            var names = new List<string>();
            if (Avx2) names.Add("avx2");
            if (Avx512F) names.Add("avx512f");
            if (Avx512Bf16) names.Add("avx512_bf16");
            if (AmxBf16) names.Add("amx_bf16");
            return names.Count == 0 ? "none" : string.Join(' ', names);
        }
    }

    public static CpuFeatures Detect() => FromCpuInfo(ReadCpuInfoFlags());

    /// <summary>Parses the "flags" line of /proc/cpuinfo (the first processor is representative).</summary>
    public static CpuFeatures FromCpuInfo(string flagsLine)
    {
        var flags = flagsLine.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        return new CpuFeatures(
            Avx2: flags.Contains("avx2"),
            Avx512F: flags.Contains("avx512f"),
            Avx512Bf16: flags.Contains("avx512_bf16"),
            AmxBf16: flags.Contains("amx_bf16"));
    }

    private static string ReadCpuInfoFlags()
    {
        const string path = "/proc/cpuinfo";
        if (!File.Exists(path))
        {
            return "";
        }
        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith("flags", StringComparison.Ordinal))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                return colon < 0 ? "" : line[(colon + 1)..];
            }
        }
        return "";
    }
}
