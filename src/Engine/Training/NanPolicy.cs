using System.Text.Json.Serialization;

namespace NanoVlm.Engine.Training;

/// <summary>What the NaN guard does after a non-finite loss or gradient (<c>--nan-policy</c>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NanPolicy>))]
public enum NanPolicy
{
    /// <summary>Stop the run with the diagnosis.</summary>
    [JsonStringEnumMemberName("stop")] Stop,

    /// <summary>Drop the update and go on.</summary>
    [JsonStringEnumMemberName("skip")] Skip,

    /// <summary>
    /// Roll back to the last good checkpoint, widen the precision when the cause is a precision overflow, and go on;
    /// stop when the same failure repeats too often.
    /// </summary>
    [JsonStringEnumMemberName("recover")] Recover,

    /// <summary>
    /// Keep the run's precision: on a precision overflow, roll back and compute the modules the diagnosis named in
    /// float32 (up to <c>pin_max_modules</c> modules and <c>pin_max_parameter_fraction</c> of the parameters; beyond
    /// that, widen the precision as <see cref="Recover"/> does). Other failures are handled as under <see cref="Recover"/>.
    /// </summary>
    [JsonStringEnumMemberName("pin")] Pin,
}
