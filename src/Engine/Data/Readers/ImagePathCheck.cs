namespace NanoVlm.Engine.Data;

/// <summary>
/// Decides whether an image file that a data file names may be opened: returns null when it may, otherwise the
/// reason (shown for the skipped row). The dashboard passes one that keeps images inside its data folders, so a
/// dataset cannot make the server read pictures from anywhere on the machine; the command line passes none.
/// </summary>
/// <param name="imagePath">the path found on disk (relative paths already joined to their folder)</param>
public delegate string? ImagePathCheck(string imagePath);
