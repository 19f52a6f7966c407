using System.Text.Json;
using System.Text.Json.Serialization;

namespace NanoVlm.Server.Hosting;

/// <summary>
/// JSON settings shared by the REST API and the SignalR hub: NaN and ±Infinity are written as "NaN"/"Infinity"
/// (a diverged loss must reach the client, not crash the serializer), enums as names.
/// </summary>
public static class ApiJson
{
    public static void Configure(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.NumberHandling |= JsonNumberHandling.AllowNamedFloatingPointLiterals;
        options.Converters.Add(new JsonStringEnumConverter());
    }
}
