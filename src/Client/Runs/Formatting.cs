using System.Globalization;

namespace NanoVlm.Client.Runs;

/// <summary>How numbers and times read on the dashboard.</summary>
public static class Formatting
{
    public static string Number(double? value, string format = "0.####") => value switch
    {
        null => "—",
        { } v when double.IsNaN(v) => "NaN",
        { } v when double.IsPositiveInfinity(v) => "+Inf",
        { } v when double.IsNegativeInfinity(v) => "−Inf",
        { } v => v.ToString(format, CultureInfo.InvariantCulture),
    };

    public static string Duration(TimeSpan? duration) => duration switch
    {
        null => "—",
        { TotalHours: >= 1 } d => string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalHours}h {d.Minutes:00}m"),
        { TotalMinutes: >= 1 } d => string.Create(CultureInfo.InvariantCulture, $"{d.Minutes}m {d.Seconds:00}s"),
        { } d => string.Create(CultureInfo.InvariantCulture, $"{d.TotalSeconds:0}s"),
    };

    /// <summary>Binary units: "812 MiB", "1.4 GiB".</summary>
    public static string Bytes(long? bytes) => bytes switch
    {
        null => "—",
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes.Value / (double)(1L << 30):0.0} GiB"),
        { } b => string.Create(CultureInfo.InvariantCulture, $"{b / (double)(1L << 20):0} MiB"),
    };

    public static string Time(DateTimeOffset? time) =>
        time?.ToLocalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "—";
}
