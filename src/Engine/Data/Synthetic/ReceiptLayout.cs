namespace NanoVlm.Engine.Data.Synthetic;

/// <summary>
/// A till receipt on a narrow page: store name, date and time, items with right-aligned prices, totals and the
/// payment line. Medium: store, date, total and payment in large print.
/// </summary>
internal static class ReceiptLayout
{
    private static readonly string[] StoreWords = ["Market", "Grocer", "Corner Shop", "Foods", "Deli", "Pantry"];

    public static (PageBuilder Page, List<SyntheticQuestion> Questions) Build(DocumentStyle style, DeterministicRandom random)
    {
        var page = new PageBuilder(style.Width, style.Height);
        var store = random.Pick(FakeContent.LastNames) + "'s " + random.Pick(StoreWords);
        var date = FakeContent.FormatDate(FakeContent.Date(random), style.DateStyle);
        var time = FakeContent.Time(random);
        var payment = random.Pick(FakeContent.PaymentMethods);
        var itemCount = style.Dense ? random.Between(4, 14) : random.Between(1, 3);
        var items = random.PickDistinct(FakeContent.GroceryItems, itemCount)
            .Select(name => (Name: name, Cents: (long)random.Between(49, 2999))).ToList();
        var subtotal = items.Sum(i => i.Cents);
        var tax = (long)Math.Round(subtotal * 0.07, MidpointRounding.AwayFromZero);
        var total = subtotal + tax;
        var centre = page.Width / 2f;
        var right = page.Width - style.Margin;

        var questions = new List<SyntheticQuestion>
        {
            SyntheticQuestion.Of("What is the name of the store?", store, QuestionTypes.Layout),
            SyntheticQuestion.Of("What is the date on the receipt?", date, QuestionTypes.Form),
            SyntheticQuestion.Of("What is the total?", FakeContent.Money(total), QuestionTypes.Form, FakeContent.PlainAmount(total)),
            SyntheticQuestion.Of("How was the purchase paid?", payment, QuestionTypes.Form),
        };

        var storeSize = PageBuilder.Fit(store, FontFace.SansBold, style.Dense ? style.TitleSize * 0.8f : style.TitleSize * 0.8f, style.ContentWidth);
        var y = page.Text(store, centre, style.Margin, FontFace.SansBold, storeSize, style.Ink, TextAlign.Center);
        if (!style.Dense)
        {
            y += style.Line * 0.5f;
            foreach (var (label, value) in new[] { ("Date", date), ("Total", FakeContent.Money(total)), ("Paid", payment) })
            {
                y = LayoutParts.LabelValue(page, style, style.Margin, y, label, value, style.BodySize) + style.Line * 0.3f;
            }
            return (page, questions);
        }

        var phone = FakeContent.Phone(random);
        var card = FakeContent.Integer(random.Between(1000, 9999));
        y = page.Text(FakeContent.StreetLine(random), centre, y, style.BodyFace, style.BodySize, style.Ink, TextAlign.Center);
        y = page.Text("Tel " + phone, centre, y, style.BodyFace, style.BodySize, style.Ink, TextAlign.Center);
        y += style.Line * 0.5f;
        page.Text(date, style.Margin, y, style.BodyFace, style.BodySize, style.Ink);
        y = page.Text(time, right, y, style.BodyFace, style.BodySize, style.Ink, TextAlign.Right);
        y = Dashes(page, style, y);
        foreach (var (name, cents) in items)
        {
            page.Text(name, style.Margin, y, style.BodyFace, style.BodySize, style.Ink);
            y = page.Text(FakeContent.Money(cents), right, y, style.BodyFace, style.BodySize, style.Ink, TextAlign.Right);
        }
        y = Dashes(page, style, y);
        foreach (var (label, cents) in new[] { ("SUBTOTAL", subtotal), ("TAX 7%", tax), ("TOTAL", total) })
        {
            var face = label == "TOTAL" ? FontFace.SansBold : style.BodyFace;
            page.Text(label, style.Margin, y, face, style.BodySize, style.Ink);
            y = page.Text(FakeContent.Money(cents), right, y, face, style.BodySize, style.Ink, TextAlign.Right);
        }
        y += style.Line * 0.5f;
        var paymentLine = payment == "CASH" ? "PAID CASH" : payment + " **** " + card;
        y = page.Text(paymentLine, style.Margin, y, style.BodyFace, style.BodySize, style.Ink);
        y = page.Text("ITEMS: " + FakeContent.Integer(items.Count), style.Margin, y, style.BodyFace, style.BodySize, style.Ink);
        page.Text("THANK YOU!", centre, y + style.Line, FontFace.SansBold, style.BodySize, style.Ink, TextAlign.Center);

        var item = random.Pick(items);
        questions.AddRange(
        [
            SyntheticQuestion.Of("At what time was the purchase made?", time, QuestionTypes.Form),
            SyntheticQuestion.Of($"How much did the {item.Name} cost?", FakeContent.Money(item.Cents), QuestionTypes.TableList, FakeContent.PlainAmount(item.Cents)),
            SyntheticQuestion.Of("How many items were bought?", FakeContent.Integer(items.Count), QuestionTypes.TableList),
            SyntheticQuestion.Of("What is the store's phone number?", phone, QuestionTypes.Layout),
            SyntheticQuestion.Of("What is the tax amount?", FakeContent.Money(tax), QuestionTypes.TableList, FakeContent.PlainAmount(tax)),
        ]);
        if (payment != "CASH")
        {
            questions.Add(SyntheticQuestion.Of("What are the last four digits of the card?", card, QuestionTypes.Form));
        }
        return (page, questions);
    }

    private static float Dashes(PageBuilder page, DocumentStyle style, float y)
    {
        var middle = y + style.Line * 0.5f;
        page.Line(style.Margin, middle, page.Width - style.Margin, middle, style.Ink);
        return y + style.Line;
    }
}
