namespace NanoVlm.Engine.Data.Synthetic;

/// <summary>
/// A business letter: letterhead, date, recipient, subject line, body paragraphs that mention a reference number,
/// an amount and a meeting date, and a signature block. Medium: date, to, from and subject in large print.
/// </summary>
internal static class LetterLayout
{
    private static readonly string[] Subjects =
    [
        "Renewal of service agreement", "Outstanding balance", "Meeting request", "Order confirmation", "Change of address",
        "Annual review", "Price adjustment", "Delivery schedule",
    ];

    private static readonly string[] Filler =
    [
        "We appreciate your continued cooperation and look forward to working with you.",
        "Please do not hesitate to contact our office if you have any questions.",
        "Our team has reviewed the documents you sent and found them to be in order.",
        "A copy of this letter has been sent to the accounts department for their records.",
        "We would be grateful if you could confirm receipt of this letter at your earliest convenience.",
        "The attached schedule sets out the next steps in more detail.",
    ];

    /// <summary>Joins words with no-break spaces, so word wrap never splits an answer over two lines.</summary>
    private static string Unbreakable(string text) => text.Replace(' ', '\u00A0');

    public static (PageBuilder Page, List<SyntheticQuestion> Questions) Build(DocumentStyle style, DeterministicRandom random)
    {
        var page = new PageBuilder(style.Width, style.Height);
        var company = FakeContent.Company(random);
        var recipient = FakeContent.PersonName(random);
        var signer = FakeContent.PersonName(random);
        var date = FakeContent.FormatDate(FakeContent.Date(random), style.DateStyle);
        var subject = random.Pick(Subjects);
        var questions = new List<SyntheticQuestion>
        {
            SyntheticQuestion.Of("Who is the letter addressed to?", recipient, QuestionTypes.FreeText),
            SyntheticQuestion.Of("Who signed the letter?", signer, QuestionTypes.FreeText),
            SyntheticQuestion.Of("What is the date of the letter?", date, QuestionTypes.FreeText),
            SyntheticQuestion.Of("What is the subject of the letter?", subject, QuestionTypes.FreeText),
        };

        if (!style.Dense)
        {
            var y0 = page.Text("MEMO", style.Margin, style.Margin, FontFace.SansBold, style.TitleSize, style.Accent) + style.Line * 0.5f;
            foreach (var (label, value) in new[] { ("Date", date), ("To", recipient), ("From", signer), ("Re", subject) })
            {
                var size = PageBuilder.Fit(label + ": " + value, style.BodyFace, style.BodySize, style.ContentWidth);
                y0 = LayoutParts.LabelValue(page, style, style.Margin, y0, label, value, size) + style.Line * 0.3f;
            }
            return (page, questions);
        }

        var reference = FakeContent.Code(random, "REF-", 6);
        var cents = (long)random.Between(10000, 5000000);
        var meeting = FakeContent.FormatDate(FakeContent.Date(random), style.DateStyle);
        var signerTitle = random.Pick(FakeContent.JobTitles);
        var recipientCompany = FakeContent.Company(random);

        var y = LayoutParts.Letterhead(page, style, random, company, FakeContent.StreetLine(random), FakeContent.CityLine(random));
        y = page.Text(date, page.Width - style.Margin, y, style.BodyFace, style.BodySize, style.Ink, TextAlign.Right) + style.Line * 0.5f;
        foreach (var line in new[] { recipient, recipientCompany, FakeContent.StreetLine(random), FakeContent.CityLine(random) })
        {
            y = page.Text(line, style.Margin, y, style.BodyFace, style.BodySize, style.Ink);
        }
        y += style.Line;
        y = LayoutParts.LabelValue(page, style, style.Margin, y, "Re", subject, style.BodySize) + style.Line * 0.5f;
        y = page.Text("Dear " + recipient + ",", style.Margin, y, style.BodyFace, style.BodySize, style.Ink) + style.Line * 0.5f;

        var filler = random.PickDistinct(Filler, 5); // distinct, so no sentence repeats
        var paragraphs = new List<string>
        {
            $"I am writing regarding our file {reference}. {filler[0]} {filler[1]}",
            $"The amount concerned is {FakeContent.Money(cents)}, as agreed with your office. We propose to meet on {Unbreakable(meeting)} to discuss the matter. {filler[2]}",
        };
        if (random.Chance(0.5)) paragraphs.Add(filler[3] + " " + filler[4]);
        foreach (var paragraph in paragraphs)
        {
            y = page.Paragraph(paragraph, style.Margin, y, style.ContentWidth, style.BodyFace, style.BodySize, style.Ink) + style.Line * 0.5f;
        }
        y = page.Text("Sincerely,", style.Margin, y, style.BodyFace, style.BodySize, style.Ink) + style.Line * 1.5f;
        y = page.Text(signer, style.Margin, y, FontFace.SansBold, style.BodySize, style.Ink);
        page.Text(signerTitle, style.Margin, y, style.BodyFace, style.BodySize, style.Ink);

        questions.AddRange(
        [
            SyntheticQuestion.Of("What is the reference number mentioned in the letter?", reference, QuestionTypes.FreeText),
            SyntheticQuestion.Of("What amount is mentioned in the letter?", FakeContent.Money(cents), QuestionTypes.FreeText, FakeContent.PlainAmount(cents)),
            SyntheticQuestion.Of("When is the proposed meeting?", meeting, QuestionTypes.FreeText),
            SyntheticQuestion.Of("What is the title of the person who signed the letter?", signerTitle, QuestionTypes.FreeText),
            SyntheticQuestion.Of("Which company sent the letter?", company, QuestionTypes.Layout),
        ]);
        return (page, questions);
    }
}
