using Xunit;
namespace MLNet.Extensions.TestUtilities;

/// <summary>Elementwise comparisons whose tolerance scales with the magnitude of the expected value.</summary>
public static class Tolerance
{
    /// <summary>Asserts |actual - expected| &lt;= absolute + relative * |expected| everywhere, naming the first index that fails.</summary>
    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double relative = 1e-4, double absolute = 1e-5, string what = "value")
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double diff = Math.Abs(actual[i] - expected[i]);
            if (!(diff <= absolute + relative * Math.Abs(expected[i])))
                Assert.Fail($"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (|diff| {diff:G3})");
        }
    }

    /// <summary>Single-precision expected values.</summary>
    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double relative = 1e-4, double absolute = 1e-5, string what = "value")
    {
        var wide = new double[expected.Length];
        for (int i = 0; i < wide.Length; i++)
            wide[i] = expected[i];
        AssertClose(wide, actual, relative, absolute, what);
    }
}
