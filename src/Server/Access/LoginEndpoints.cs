using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace NanoVlm.Server.Access;

/// <summary>
/// GET /login shows the sign-in form; POST /login checks the antiforgery token and the access token, then sets the
/// HttpOnly, SameSite=Strict sign-in cookie and returns to the page the visitor wanted. Wrong tokens count towards
/// the client's failed-attempt limit.
/// </summary>
public static class LoginEndpoints
{
    public const string Path = "/login";

    /// <summary>The claim that ties a sign-in cookie to the token it was issued under.</summary>
    public const string TokenFingerprintClaim = "nanovlm:token";

    /// <summary>A form post is a few hundred bytes; refuse anything far larger before reading it.</summary>
    private const long MaxFormBytes = 16 * 1024;

    public static string PathFor(string returnUrl) => $"{Path}?returnUrl={Uri.EscapeDataString(returnUrl)}";

    public static IEndpointRouteBuilder MapLoginEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Path, (HttpContext context, string? returnUrl, AccessToken token, IAntiforgery antiforgery) =>
            token.IsConfigured ? Page(context, antiforgery, StatusCodes.Status200OK, LocalOrRoot(returnUrl), null) : Results.Redirect("/"));
        endpoints.MapPost(Path, SignInAsync)
            .DisableAntiforgery() // validated in the handler, so a stale form gets the sign-in page again with a reason
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxFormBytes));
        return endpoints;
    }

    private static async Task<IResult> SignInAsync(HttpContext context, AccessToken token, FailedAttemptLimiter limiter,
        IAntiforgery antiforgery, ILoggerFactory loggers)
    {
        if (!token.IsConfigured) return Results.Redirect("/");
        var logger = loggers.CreateLogger(typeof(LoginEndpoints));
        if (!context.Request.HasFormContentType)
        {
            return Page(context, antiforgery, StatusCodes.Status415UnsupportedMediaType, "/", "Send the sign-in form as a form post.");
        }
        if (context.Request.ContentLength > MaxFormBytes)
        {
            return Page(context, antiforgery, StatusCodes.Status413PayloadTooLarge, "/", "The sign-in form is far larger than a token; send only the token.");
        }
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var returnUrl = LocalOrRoot(form["returnUrl"].ToString());
        try
        {
            await antiforgery.ValidateRequestAsync(context);
        }
        catch (AntiforgeryValidationException)
        {
            return Page(context, antiforgery, StatusCodes.Status400BadRequest, returnUrl, "The sign-in form expired or did not come from this page; try again.");
        }

        var client = ClientAddress.Of(context);
        if (limiter.IsLockedOut(client))
        {
            logger.RefusedWhileLockedOut(client, Path);
            context.Response.Headers.RetryAfter = ((int)Math.Ceiling(limiter.Window.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Page(context, antiforgery, StatusCodes.Status429TooManyRequests, returnUrl, "Too many wrong tokens from this address; wait a minute and try again.");
        }
        if (!token.Matches(form["token"].ToString()))
        {
            logger.WrongToken(client, Path, "sign-in form");
            if (limiter.RecordFailure(client)) logger.LockedOut(client, limiter.MaxFailures, limiter.Window);
            return Page(context, antiforgery, StatusCodes.Status401Unauthorized, returnUrl, "That is not the access token.");
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "dashboard"), new Claim(TokenFingerprintClaim, token.Fingerprint)],
            CookieAuthenticationDefaults.AuthenticationScheme);
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity), new AuthenticationProperties { IsPersistent = true });
        logger.SignedIn(client);
        return Results.Redirect(returnUrl);
    }

    private static IResult Page(HttpContext context, IAntiforgery antiforgery, int status, string returnUrl, string? error)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        context.Response.Headers.CacheControl = "no-store";
        return Results.Content(LoginPage.Render(tokens.FormFieldName, tokens.RequestToken ?? "", returnUrl, error), "text/html; charset=utf-8", statusCode: status);
    }

    /// <summary>Only paths on this site: "//host" and "/\host" would send the visitor elsewhere after signing in.</summary>
    public static string LocalOrRoot(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl[0] == '/' && (returnUrl.Length == 1 || (returnUrl[1] != '/' && returnUrl[1] != '\\'))
            ? returnUrl
            : "/";
}
