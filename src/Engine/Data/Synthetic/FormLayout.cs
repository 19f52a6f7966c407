namespace NanoVlm.Engine.Data.Synthetic;

/// <summary>
/// A filled-in form: title, labelled boxes holding typed values, and yes/no check boxes with one ticked.
/// Medium: three fields in large print.
/// </summary>
internal static class FormLayout
{
    private static readonly string[] Titles =
    [
        "Patient Registration Form", "Membership Application", "Employee Information Form", "Customer Account Form",
        "Volunteer Sign-up Form",
    ];

    private static readonly string[] Options =
    [
        "Newsletter", "Paperless billing", "First visit", "Text reminders", "Photo consent", "Parking permit",
    ];

    public static (PageBuilder Page, List<SyntheticQuestion> Questions) Build(DocumentStyle style, DeterministicRandom random)
    {
        var page = new PageBuilder(style.Width, style.Height);
        var title = random.Pick(Titles);
        var name = FakeContent.PersonName(random);
        var company = FakeContent.Company(random);
        var fields = new List<(string Label, string Value, string Question)>
        {
            ("Full name", name, "What is the full name on the form?"),
            ("Date of birth", FakeContent.FormatDate(FakeContent.Date(random).AddYears(-random.Between(20, 60)), style.DateStyle), "What is the date of birth?"),
            ("Phone", FakeContent.Phone(random), "What is the phone number?"),
            ("Email", FakeContent.Email(name, company), "What is the email address?"),
            ("Street address", FakeContent.StreetLine(random), "What is the street address?"),
            ("City", FakeContent.CityLine(random), "What is the city?"),
            ("Member ID", FakeContent.Code(random, "M", 6), "What is the member ID?"),
            ("Emergency contact", FakeContent.PersonName(random), "Who is the emergency contact?"),
            ("Employer", company, "Who is the employer?"),
        };
        var shown = style.Dense ? fields.GetRange(0, random.Between(6, fields.Count)) : random.PickDistinct(fields, 3);
        var questions = shown.Select(f => SyntheticQuestion.Of(f.Question, f.Value, QuestionTypes.Form)).ToList();
        questions.Add(SyntheticQuestion.Of("What is the title of the form?", title, QuestionTypes.Layout));

        var titleSize = PageBuilder.Fit(title, FontFace.SansBold, style.TitleSize, style.ContentWidth);
        var y = page.Text(title, style.Margin, style.Margin, FontFace.SansBold, titleSize, style.Accent);
        page.Line(style.Margin, y + 2, page.Width - style.Margin, y + 2, style.Accent, 2);
        y += style.Line;

        var size = style.BodySize;
        var boxHeight = PageBuilder.LineHeight(size) + size * 0.5f;
        var columns = style.Dense ? 2 : 1;
        var columnWidth = (style.ContentWidth - (columns - 1) * size) / columns;
        for (var i = 0; i < shown.Count; i++)
        {
            var column = i % columns;
            var x = style.Margin + column * (columnWidth + size);
            var labelSize = size * 0.8f;
            page.Text(shown[i].Label, x, y, FontFace.SansBold, labelSize, style.Ink);
            var boxTop = y + PageBuilder.LineHeight(labelSize);
            page.Stroke(x, boxTop, columnWidth, boxHeight, NamedColour.MidGrey);
            var valueSize = PageBuilder.Fit(shown[i].Value, style.BodyFace, size, columnWidth - size);
            page.Text(shown[i].Value, x + size * 0.4f, boxTop + size * 0.25f, style.BodyFace, valueSize, style.Ink);
            if (column == columns - 1 || i == shown.Count - 1) y = boxTop + boxHeight + size * 0.8f;
        }

        if (style.Dense)
        {
            y += style.Line * 0.5f;
            foreach (var option in random.PickDistinct(Options, random.Between(2, 3)))
            {
                var yes = random.Chance(0.5);
                page.Text(option + ":", style.Margin, y, FontFace.SansBold, size, style.Ink);
                var boxX = style.Margin + style.ContentWidth * 0.45f;
                foreach (var (choice, ticked) in new[] { ("Yes", yes), ("No", !yes) })
                {
                    page.Stroke(boxX, y + size * 0.15f, size, size, style.Ink);
                    if (ticked)
                    {
                        page.Line(boxX + 2, y + size * 0.15f + 2, boxX + size - 2, y + size * 1.15f - 2, style.Ink, 1.5f);
                        page.Line(boxX + size - 2, y + size * 0.15f + 2, boxX + 2, y + size * 1.15f - 2, style.Ink, 1.5f);
                    }
                    page.Text(choice, boxX + size * 1.5f, y, style.BodyFace, size, style.Ink);
                    boxX += size * 5;
                }
                y += style.Line * 1.3f;
                questions.Add(SyntheticQuestion.Of($"Which box is ticked for {option}?", yes ? "Yes" : "No", QuestionTypes.Form));
            }
            y += style.Line;
            page.Text("Signature: ____________________", style.Margin, y, style.BodyFace, size, style.Ink);
        }
        return (page, questions);
    }
}
