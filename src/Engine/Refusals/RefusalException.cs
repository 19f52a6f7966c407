namespace NanoVlm.Engine.Refusals;

/// <summary>
/// A model or run that cannot work as asked, found out before anything is allocated or written: the message gives
/// the figures and what to do. Callers treat it as bad input (the command line exits with code 2, the HTTP API
/// answers 400, the form shows it on the field).
/// </summary>
public abstract class RefusalException : Exception
{
    protected RefusalException(string message) : base(message)
    {
    }

    protected RefusalException(string message, Exception innerException) : base(message, innerException)
    {
    }

    protected RefusalException()
    {
    }
}
