using System.Text.Encodings.Web;

namespace NanoVlm.Server.Access;

/// <summary>
/// The sign-in page: one password field for the access token. Plain server-rendered HTML with no scripts and no
/// external assets, so it works before the visitor may load anything else.
/// </summary>
public static class LoginPage
{
    public static string Render(string antiforgeryField, string antiforgeryValue, string returnUrl, string? error)
    {
        var encoder = HtmlEncoder.Default;
        var message = error is null ? "" : $"<p class=\"error\" role=\"alert\">{encoder.Encode(error)}</p>";
        return $$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8" />
            <meta name="viewport" content="width=device-width, initial-scale=1.0" />
            <title>Sign in · NanoVLM</title>
            <style>
            body { font-family: system-ui, sans-serif; background: #f5f5f5; display: flex; justify-content: center; padding-top: 12vh; margin: 0; }
            form { background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 4px rgba(0,0,0,.2); width: 22rem; }
            h1 { font-size: 1.3rem; margin-top: 0; }
            label { display: block; margin-bottom: .4rem; }
            input[type=password] { width: 100%; box-sizing: border-box; padding: .5rem; font-size: 1rem; }
            button { margin-top: 1rem; padding: .5rem 1.2rem; font-size: 1rem; }
            .error { color: #b00020; }
            .hint { color: #555; font-size: .85rem; }
            </style>
            </head>
            <body>
            <form method="post" action="{{LoginEndpoints.Path}}">
            <h1>NanoVLM dashboard</h1>
            {{message}}
            <label for="token">Access token</label>
            <input id="token" name="token" type="password" autocomplete="current-password" required autofocus />
            <input type="hidden" name="returnUrl" value="{{encoder.Encode(returnUrl)}}" />
            <input type="hidden" name="{{encoder.Encode(antiforgeryField)}}" value="{{encoder.Encode(antiforgeryValue)}}" />
            <button type="submit">Sign in</button>
            <p class="hint">The token is the server's Access:Token setting (Access__Token in its environment).</p>
            </form>
            </body>
            </html>
            """;
    }
}
