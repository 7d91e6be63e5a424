using Cascade.Scenarios.Binding;

namespace Cascade.Tests.Scenarios.Binding;

/// <summary>Quantities read the way Kubernetes resource quantities are written.</summary>
public class QuantityTests
{
    [Theory]
    [InlineData("64Gi", 64.0 * (1L << 30))]
    [InlineData("512Mi", 512.0 * (1 << 20))]
    [InlineData("1.5G", 1.5e9)]
    [InlineData("100k", 1e5)]
    [InlineData("500m", 0.5)]
    [InlineData("0.1k", 100)]
    [InlineData("1e3", 1000)]
    [InlineData("2E", 2e18)]
    [InlineData("42", 42)]
    [InlineData("-1Ki", -1024)]
    [InlineData("5Ei", 5.0 * (1L << 60))]
    [InlineData("3Pi", 3.0 * (1L << 50))]
    [InlineData("2E+3", 2000)]
    [InlineData("1.5e-3", 0.0015)]
    public void Quantities_parse_from_kubernetes_notation(string text, double value)
    {
        Assert.Equal(value, Quantity.Parse(text).Value);
    }

    [Theory]
    [InlineData("64Gi")]
    [InlineData("1k")]
    [InlineData("500m")]
    [InlineData("1500M")]
    [InlineData("1023")]
    [InlineData("0")]
    [InlineData("-3Mi")]
    [InlineData("0.0001")]
    [InlineData("1E+30")]
    [InlineData("1Ti")]
    [InlineData("3Pi")]
    [InlineData("1M")]
    [InlineData("7G")]
    [InlineData("2T")]
    [InlineData("9P")]
    [InlineData("1500m")]
    [InlineData("-250m")]
    [InlineData("1.0005")]
    public void Quantities_print_canonically_and_parse_back(string canonical)
    {
        var q = Quantity.Parse(canonical);
        Assert.Equal(canonical, q.ToString());
        Assert.Equal(q, Quantity.Parse(q.ToString()));
    }

    [Fact]
    public void The_shorter_suffix_wins_when_a_value_has_two()
    {
        Assert.Equal("1T", Quantity.Parse("1T").ToString()); // also 976562500Ki
        Assert.Equal("2048k", Quantity.Parse("2000Ki").ToString());
    }

    [Fact]
    public void Bytes_round_up_as_in_kubernetes()
    {
        Assert.Equal(1, Quantity.Parse("500m").Bytes);
        Assert.Equal(1L << 30, Quantity.Parse("1Gi").Bytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5 GB")]
    [InlineData("1Gb")]
    [InlineData("Gi")]
    [InlineData("1e999")]
    [InlineData("1..5")]
    [InlineData("99999999999999999999999999999Ei")]
    public void Malformed_quantities_are_refused(string text)
    {
        Assert.False(Quantity.TryParse(text, out _, out var error));
        Assert.NotEmpty(error);
    }
}
