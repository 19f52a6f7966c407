using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace NanoVlm.Server.Access;

/// <summary>
/// POST /logout checks the antiforgery token, deletes the sign-in cookie and sends the visitor to /login (303). The
/// gate lets /logout through without a cookie, so signing out twice, or from a tab left open after signing out
/// elsewhere, just ends at the sign-in page.
/// </summary>
public static class LogoutEndpoints
{
    public const string Path = "/logout";

    /// <summary>The form holds only the antiforgery field; refuse anything far larger before reading it.</summary>
    private const long MaxFormBytes = 16 * 1024;

    public static IEndpointRouteBuilder MapLogoutEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(Path, SignOutAsync)
            .DisableAntiforgery() // validated in the handler, so a visitor who is already signed out gets the sign-in page
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxFormBytes));
        // GET never signs out: a link, a prefetch or an image on another site must not end a session. It answers 405
        // rather than redirecting to /login, which would show a signed-in visitor a sign-in page while the cookie stays.
        endpoints.MapGet(Path, (HttpContext context) =>
        {
            context.Response.Headers.Allow = HttpMethods.Post;
            return Results.Problem(statusCode: StatusCodes.Status405MethodNotAllowed, title: "Sign out with a form post",
                detail: "Use the Sign out button in the dashboard's app bar; GET /logout changes nothing.");
        });
        return endpoints;
    }

    private static async Task<IResult> SignOutAsync(HttpContext context, AccessToken token, IAntiforgery antiforgery, ILoggerFactory loggers)
    {
        if (!token.IsConfigured) return SeeOther(context, "/");
        if (context.Request.ContentLength > MaxFormBytes)
        {
            return Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Sign-out form too large",
                detail: "The sign-out form holds only its antiforgery field.");
        }
        var signedIn = context.User.Identity?.IsAuthenticated == true;
        try
        {
            await antiforgery.ValidateRequestAsync(context);
        }
        catch (AntiforgeryValidationException)
        {
            // Without a session there is nothing a forged request could end; with one, refuse and keep the cookie.
            if (!signedIn) return SeeOther(context, LoginEndpoints.Path);
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Sign-out refused",
                detail: "The sign-out form expired or did not come from this dashboard; reload the page and press Sign out again.");
        }

        // Deletes the cookie with the name, path and attributes it was set with (the cookie scheme's options).
        await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        if (signedIn)
        {
            var client = ClientAddress.Of(context);
            loggers.CreateLogger(typeof(LogoutEndpoints)).SignedOut(client);
        }
        return SeeOther(context, LoginEndpoints.Path);
    }

    /// <summary>303, so the browser follows with a GET rather than posting the form again.</summary>
    private static IResult SeeOther(HttpContext context, string location)
    {
        context.Response.Headers.Location = location;
        context.Response.Headers.CacheControl = "no-store";
        return Results.StatusCode(StatusCodes.Status303SeeOther);
    }
}
