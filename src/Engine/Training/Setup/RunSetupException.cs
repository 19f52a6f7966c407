namespace NanoVlm.Engine.Training.Setup;

/// <summary>A run that cannot start as described; <see cref="Problems"/> lists every reason, each saying what to change.</summary>
public sealed class RunSetupException : Exception
{
    public RunSetupException(IReadOnlyList<string> problems)
        : base("The run cannot start:\n- " + string.Join("\n- ", problems)) => Problems = problems;

    public RunSetupException()
        : this(["no reason given"])
    {
    }

    public RunSetupException(string message)
        : this([message])
    {
    }

    public RunSetupException(string message, Exception innerException)
        : base(message, innerException) => Problems = [message];

    public IReadOnlyList<string> Problems { get; }
}
