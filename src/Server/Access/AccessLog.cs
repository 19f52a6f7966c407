namespace NanoVlm.Server.Access;

/// <summary>What the access gate logs. The presented token is never logged.</summary>
internal static partial class AccessLog
{
    [LoggerMessage(EventId = 8101, Level = LogLevel.Warning, Message = "Wrong access token from {Client} for {Path} ({Via})")]
    public static partial void WrongToken(this ILogger logger, string client, string path, string via);

    [LoggerMessage(EventId = 8102, Level = LogLevel.Warning,
        Message = "Client {Client} refused for {Window} after {Failures} wrong access tokens")]
    public static partial void LockedOut(this ILogger logger, string client, int failures, TimeSpan window);

    [LoggerMessage(EventId = 8103, Level = LogLevel.Warning, Message = "Refused {Client} for {Path}: too many wrong access tokens")]
    public static partial void RefusedWhileLockedOut(this ILogger logger, string client, string path);

    [LoggerMessage(EventId = 8104, Level = LogLevel.Information, Message = "Client {Client} signed in to the dashboard")]
    public static partial void SignedIn(this ILogger logger, string client);

    [LoggerMessage(EventId = 8106, Level = LogLevel.Warning,
        Message = "Refused {Client} on local address {LocalAddress} for {Path}: no access token is set, so only this machine is served")]
    public static partial void RefusedRemoteWithoutToken(this ILogger logger, string client, string localAddress, string path);

    [LoggerMessage(EventId = 8105, Level = LogLevel.Information, Message = "Client {Client} signed out of the dashboard")]
    public static partial void SignedOut(this ILogger logger, string client);
}
