using NanoVlm.Engine.Checkpoints;
using NanoVlm.Engine.Checkpoints.HuggingFace;
using NanoVlm.Engine.Data;
using NanoVlm.Engine.Data.Collation;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Text;
using NanoVlm.Engine.Vision;

namespace NanoVlm.Server.Cli;

/// <summary>The exceptions that mean "the input is wrong" (reported as a message) rather than "the program is wrong".</summary>
public static class UserErrors
{
    public static bool IsUserError(Exception exception) => exception is
        IOException or UnauthorizedAccessException or InvalidDataException or FormatException or ArgumentException
        or ImageRejectedException or CheckpointMismatchException or InvalidVlmConfigException or UnsupportedTokenizerException
        or InvalidOperationException or DatasetFormatException or MaxLengthTooSmallException
        or HfBackboneTensorMismatchException or UnsupportedHfBackboneException or HfBackboneFormatException;
}
