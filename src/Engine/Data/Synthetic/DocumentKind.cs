namespace NanoVlm.Engine.Data.Synthetic;

/// <summary>The kinds of document the generator draws.</summary>
public enum DocumentKind
{
    Invoice,
    Receipt,
    Form,
    Table,
    Letter,
}
