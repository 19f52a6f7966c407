using System.Globalization;

namespace NanoVlm.Engine.Data.Synthetic;

/// <summary>
/// Made-up names, companies, addresses, items, dates and amounts. Everything is ASCII and formatted with the
/// invariant culture, so the same seed gives the same text on every machine.
/// </summary>
internal static class FakeContent
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static readonly string[] FirstNames =
    [
        "Anna", "Ben", "Carla", "David", "Elena", "Frank", "Grace", "Hugo", "Irene", "James", "Karen", "Leo",
        "Maria", "Nathan", "Olivia", "Peter", "Quinn", "Rosa", "Samuel", "Tara", "Victor", "Wendy", "Yusuf", "Zoe",
    ];

    public static readonly string[] LastNames =
    [
        "Smith", "Johnson", "Garcia", "Miller", "Brown", "Davis", "Lopez", "Wilson", "Moore", "Taylor", "Clark",
        "Walker", "Young", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell",
    ];

    private static readonly string[] CompanyStems =
    [
        "Northwind", "Bluebird", "Summit", "Riverside", "Oakwood", "Silverline", "Redstone", "Lakeview", "Brightway",
        "Harbor", "Pinecrest", "Granite", "Maple", "Starlight", "Westfield", "Evergreen",
    ];

    private static readonly string[] CompanyTrades =
    [
        "Supplies", "Logistics", "Printing", "Foods", "Electric", "Consulting", "Hardware", "Labs", "Textiles", "Media",
    ];

    private static readonly string[] CompanySuffixes = ["Ltd", "Inc", "LLC", "Co", "Group"];

    private static readonly string[] Streets =
    [
        "Main Street", "Oak Avenue", "Park Road", "Elm Street", "Mill Lane", "High Street", "Station Road",
        "Church Street", "Lake Drive", "Hill Road", "King Street", "River Road",
    ];

    private static readonly string[] Cities =
    [
        "Springfield", "Riverton", "Fairview", "Greenville", "Madison", "Clinton", "Franklin", "Georgetown",
        "Salem", "Bristol", "Dover", "Ashland",
    ];

    public static readonly string[] Items =
    [
        "Printer paper", "Stapler", "Ink cartridge", "Desk lamp", "Notebook", "Ballpoint pens", "Envelopes",
        "USB cable", "Keyboard", "Monitor stand", "Coffee beans", "Green tea", "Paper cups", "Folders",
        "Whiteboard", "Markers", "Scissors", "Calculator", "Headset", "Webcam", "Batteries", "Labels",
        "Binder clips", "Sticky notes", "Tape", "Mouse pad", "Chair mat", "Water filter",
    ];

    public static readonly string[] GroceryItems =
    [
        "Milk", "Bread", "Eggs", "Butter", "Apples", "Bananas", "Cheese", "Rice", "Pasta", "Tomatoes", "Coffee",
        "Orange juice", "Yogurt", "Chicken", "Onions", "Potatoes", "Cereal", "Honey", "Olive oil", "Carrots",
    ];

    public static readonly string[] Regions = ["North", "South", "East", "West", "Central", "Coastal", "Mountain", "Metro", "Rural", "Island"];

    public static readonly string[] JobTitles =
    [
        "Sales Manager", "Director of Finance", "Office Manager", "Project Lead", "Chief Executive Officer",
        "Account Manager", "Head of Operations", "Purchasing Officer",
    ];

    public static readonly string[] PaymentMethods = ["VISA", "MASTERCARD", "AMEX", "CASH", "DEBIT"];

    public static readonly string[] Months =
    [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
        "November", "December",
    ];

    public static string PersonName(DeterministicRandom random) => random.Pick(FirstNames) + " " + random.Pick(LastNames);

    public static string Company(DeterministicRandom random) =>
        random.Pick(CompanyStems) + " " + random.Pick(CompanyTrades) + " " + random.Pick(CompanySuffixes);

    public static string StreetLine(DeterministicRandom random) =>
        random.Between(1, 999).ToString(Invariant) + " " + random.Pick(Streets);

    public static string CityLine(DeterministicRandom random) =>
        random.Pick(Cities) + ", " + random.Between(10000, 99999).ToString(Invariant);

    public static string Phone(DeterministicRandom random) => string.Create(Invariant,
        $"({random.Between(200, 989)}) {random.Between(200, 999)}-{random.Between(0, 9999):D4}");

    public static string Email(string personName, string company)
    {
        var user = personName.ToLowerInvariant().Replace(' ', '.');
        var domain = company.Split(' ')[0].ToLowerInvariant();
        return user + "@" + domain + ".com";
    }

    /// <summary>A date between 2015 and 2024, with the day capped at 28 so every month is valid.</summary>
    public static DateOnly Date(DeterministicRandom random) =>
        new(random.Between(2015, 2024), random.Between(1, 12), random.Between(1, 28));

    /// <summary>One of three date styles, chosen per document.</summary>
    public static string FormatDate(DateOnly date, int style) => style switch
    {
        0 => date.ToString("MM/dd/yyyy", Invariant),
        1 => string.Create(Invariant, $"{Months[date.Month - 1]} {date.Day}, {date.Year}"),
        _ => date.ToString("yyyy-MM-dd", Invariant),
    };

    public static string Time(DeterministicRandom random) =>
        string.Create(Invariant, $"{random.Between(7, 21):D2}:{random.Between(0, 59):D2}");

    /// <summary>Cents as "$1,234.56".</summary>
    public static string Money(long cents) => "$" + (cents / 100m).ToString("#,##0.00", Invariant);

    /// <summary>Cents as "1234.56", the form some answers also accept.</summary>
    public static string PlainAmount(long cents) => (cents / 100m).ToString("0.00", Invariant);

    public static string Integer(long value) => value.ToString(Invariant);

    public static string GroupedInteger(long value) => value.ToString("#,##0", Invariant);

    public static string Code(DeterministicRandom random, string prefix, int digits)
    {
        var low = (int)Math.Pow(10, digits - 1);
        return prefix + random.Between(low, low * 10 - 1).ToString(Invariant);
    }
}
