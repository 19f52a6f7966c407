using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NanoVlm.Server.Access;

namespace NanoVlm.Server.Tests;

/// <summary>Without a token only this machine is served, whatever address the server was bound to.</summary>
public sealed class LoopbackGuardTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    public async Task Loopback_connections_pass_without_a_token(string localAddress)
    {
        var (status, passed) = await Send(localAddress, token: null);
        Assert.True(passed);
        Assert.Equal(StatusCodes.Status200OK, status);
    }

    [Theory]
    [InlineData("192.168.1.20")]
    [InlineData("10.0.0.5")]
    [InlineData("fe80::1")]
    public async Task Connections_on_other_addresses_are_refused_without_a_token(string localAddress)
    {
        var (status, passed) = await Send(localAddress, token: null);
        Assert.False(passed);
        Assert.Equal(StatusCodes.Status403Forbidden, status);
    }

    [Fact]
    public async Task With_a_token_the_gate_decides_and_the_guard_lets_remote_connections_through()
    {
        var (_, passed) = await Send("192.168.1.20", token: "a-token-of-24-characters");
        Assert.True(passed);
    }

    [Fact]
    public async Task The_refusal_says_how_to_allow_other_machines()
    {
        var context = Context("10.0.0.5");
        await Guard(null, _ => Task.CompletedTask).InvokeAsync(context);
        context.Response.Body.Position = 0;
        var body = await new StreamReader(context.Response.Body).ReadToEndAsync();
        Assert.Contains("Access:Token", body, StringComparison.Ordinal);
        Assert.Contains("openssl rand", body, StringComparison.Ordinal);
    }

    private static async Task<(int Status, bool Passed)> Send(string localAddress, string? token)
    {
        var passed = false;
        var context = Context(localAddress);
        await Guard(token, _ => { passed = true; return Task.CompletedTask; }).InvokeAsync(context);
        return (context.Response.StatusCode, passed);
    }

    private static LoopbackGuardMiddleware Guard(string? token, RequestDelegate next) =>
        new(next, new AccessToken(Options.Create(new AccessOptions { Token = token ?? "" })), NullLogger<LoopbackGuardMiddleware>.Instance);

    private static DefaultHttpContext Context(string localAddress)
    {
        var context = new DefaultHttpContext
        {
            RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider(),
        };
        context.Connection.LocalIpAddress = IPAddress.Parse(localAddress);
        context.Connection.RemoteIpAddress = IPAddress.Parse("203.0.113.9");
        context.Request.Path = "/runs";
        context.Response.Body = new MemoryStream();
        return context;
    }
}
