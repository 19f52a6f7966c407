namespace NanoVlm.Engine.Data.Synthetic;

/// <summary>
/// An invoice. Medium: title and four large fields. Hard: letterhead, invoice number and dates, bill-to block,
/// a line-item table (3–10 rows), subtotal, tax, total and payment terms.
/// </summary>
internal static class InvoiceLayout
{
    private static readonly int[] TaxPercents = [5, 8, 10, 20];
    private static readonly string[] Terms = ["Net 15", "Net 30", "Net 45", "Due on receipt"];

    public static (PageBuilder Page, List<SyntheticQuestion> Questions) Build(DocumentStyle style, DeterministicRandom random)
    {
        var page = new PageBuilder(style.Width, style.Height);
        var company = FakeContent.Company(random);
        var customer = FakeContent.PersonName(random);
        var number = FakeContent.Code(random, "INV-", 5);
        var date = FakeContent.Date(random);
        var dateText = FakeContent.FormatDate(date, style.DateStyle);
        var itemCount = style.Dense ? random.Between(3, 10) : random.Between(1, 3);
        var items = random.PickDistinct(FakeContent.Items, itemCount)
            .Select(name => (Name: name, Quantity: random.Between(1, 20), UnitCents: (long)random.Between(150, 25000)))
            .ToList();
        var subtotal = items.Sum(i => i.Quantity * i.UnitCents);
        var taxPercent = random.Pick(TaxPercents);
        var tax = (long)Math.Round(subtotal * taxPercent / 100.0, MidpointRounding.AwayFromZero);
        var total = subtotal + tax;

        var questions = new List<SyntheticQuestion>
        {
            SyntheticQuestion.Of("What is the invoice number?", number, QuestionTypes.Form),
            SyntheticQuestion.Of("What is the invoice date?", dateText, QuestionTypes.Form),
            SyntheticQuestion.Of("Who is the invoice billed to?", customer, QuestionTypes.Form),
            SyntheticQuestion.Of("What is the total amount?", FakeContent.Money(total), QuestionTypes.Form, FakeContent.PlainAmount(total)),
            SyntheticQuestion.Of("Which company issued the invoice?", company, QuestionTypes.Layout),
        };

        if (!style.Dense)
        {
            var y1 = page.Text("INVOICE", style.Margin, style.Margin, FontFace.SansBold, style.TitleSize, style.Accent);
            y1 = page.Text(company, style.Margin, y1, FontFace.SansBold, PageBuilder.Fit(company, FontFace.SansBold, style.BodySize, style.ContentWidth), style.Ink);
            y1 += style.Line * 0.6f;
            foreach (var (label, value) in new[] { ("No", number), ("Date", dateText), ("Bill to", customer), ("Total", FakeContent.Money(total)) })
            {
                y1 = LayoutParts.LabelValue(page, style, style.Margin, y1, label, value, style.BodySize) + style.Line * 0.3f;
            }
            return (page, questions);
        }

        var dueDate = FakeContent.FormatDate(date.AddDays(30), style.DateStyle);
        var terms = random.Pick(Terms);
        var top = LayoutParts.Letterhead(page, style, random, company, FakeContent.StreetLine(random), FakeContent.CityLine(random));
        page.Text("INVOICE", page.Width - style.Margin, top, FontFace.SansBold, style.TitleSize, style.Accent, TextAlign.Right);
        var y2 = top;
        y2 = page.Text("Bill to:", style.Margin, y2, FontFace.SansBold, style.BodySize, style.Ink);
        y2 = page.Text(customer, style.Margin, y2, style.BodyFace, style.BodySize, style.Ink);
        y2 = page.Text(FakeContent.StreetLine(random), style.Margin, y2, style.BodyFace, style.BodySize, style.Ink);
        y2 = page.Text(FakeContent.CityLine(random), style.Margin, y2, style.BodyFace, style.BodySize, style.Ink);
        var metaX = page.Width / 2f + style.Margin;
        var metaY = top + PageBuilder.LineHeight(style.TitleSize) + style.Line * 0.3f;
        metaY = LayoutParts.LabelValue(page, style, metaX, metaY, "Invoice No", number, style.BodySize);
        metaY = LayoutParts.LabelValue(page, style, metaX, metaY, "Date", dateText, style.BodySize);
        metaY = LayoutParts.LabelValue(page, style, metaX, metaY, "Due date", dueDate, style.BodySize);
        var y = Math.Max(y2, metaY) + style.Line;

        var rows = items.Select(i => (IReadOnlyList<string>)
            [i.Name, FakeContent.Integer(i.Quantity), FakeContent.Money(i.UnitCents), FakeContent.Money(i.Quantity * i.UnitCents)]).ToList();
        y = LayoutParts.Table(page, style, style.Margin, y, style.ContentWidth, ["Description", "Qty", "Unit price", "Amount"], rows,
            [0.46f, 0.12f, 0.21f, 0.21f], [false, true, true, true], shadeAlternateRows: random.Chance(0.5));

        var labelX = page.Width - style.Margin - style.ContentWidth * 0.42f;
        foreach (var (label, value) in new[] { ("Subtotal", subtotal), ($"Tax ({taxPercent}%)", tax), ("Total", total) })
        {
            page.Text(label, labelX, y, FontFace.SansBold, style.BodySize, style.Ink);
            y = page.Text(FakeContent.Money(value), page.Width - style.Margin - style.BodySize * 0.4f, y, style.BodyFace, style.BodySize, style.Ink, TextAlign.Right);
        }
        y += style.Line;
        y = LayoutParts.LabelValue(page, style, style.Margin, y, "Payment terms", terms, style.BodySize);
        page.Text("Thank you for your business.", style.Margin, y + style.Line, style.BodyFace, style.BodySize, style.Ink);

        var item = random.Pick(items);
        questions.AddRange(
        [
            SyntheticQuestion.Of("When is the payment due?", dueDate, QuestionTypes.Form),
            SyntheticQuestion.Of("What is the subtotal?", FakeContent.Money(subtotal), QuestionTypes.TableList, FakeContent.PlainAmount(subtotal)),
            SyntheticQuestion.Of("What is the tax amount?", FakeContent.Money(tax), QuestionTypes.TableList, FakeContent.PlainAmount(tax)),
            SyntheticQuestion.Of("How many line items are listed?", FakeContent.Integer(items.Count), QuestionTypes.TableList),
            SyntheticQuestion.Of($"What is the quantity of {item.Name}?", FakeContent.Integer(item.Quantity), QuestionTypes.TableList),
            SyntheticQuestion.Of($"What is the unit price of {item.Name}?", FakeContent.Money(item.UnitCents), QuestionTypes.TableList, FakeContent.PlainAmount(item.UnitCents)),
            SyntheticQuestion.Of("What are the payment terms?", terms, QuestionTypes.Form),
        ]);
        return (page, questions);
    }
}
