using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Kernels.Tests.Primitives;

public class RequireTests
{
    [Fact]
    public void LengthNamesTheArgumentFromTheCallersExpression()
    {
        float[] weights = new float[3];
        Require.Length<float>(weights, 3);
        var e = Assert.Throws<ArgumentException>(() => Require.Length<float>(weights, 4));
        Assert.Equal("weights", e.ParamName);
        Assert.Contains("weights has 3 elements; expected 4", e.Message);
    }

    [Fact]
    public void LengthOrEmptyAcceptsEmptyOrExactOnly()
    {
        Span<float> bias = [];
        Require.LengthOrEmpty<float>(bias, 5);
        bias = new float[5];
        Require.LengthOrEmpty<float>(bias, 5);
        float[] wrong = new float[2];
        var e = Assert.Throws<ArgumentException>(() => Require.LengthOrEmpty<float>(wrong, 5));
        Assert.Equal("wrong", e.ParamName);
        Assert.Contains("expected 5 or none", e.Message);
    }

    [Fact]
    public void AtLeastAcceptsLargerSpans()
    {
        float[] workspace = new float[10];
        Require.AtLeast<float>(workspace, 10);
        Require.AtLeast<float>(workspace, 9);
        var e = Assert.Throws<ArgumentException>(() => Require.AtLeast<float>(workspace, 11));
        Assert.Equal("workspace", e.ParamName);
        Assert.Contains("expected at least 11", e.Message);
    }

    [Fact]
    public void MatrixChecksStrideThenExtent()
    {
        float[] a = new float[2 * 5 + 3]; // (3, 3) with stride 5 needs exactly 13
        int lda = 5;
        Require.Matrix<float>(a, lda, rows: 3, cols: 3);
        Require.Matrix<float>([], lda, rows: 0, cols: 3);
        var e = Assert.Throws<ArgumentException>(() => Require.Matrix<float>(a, lda, rows: 3, cols: 6));
        Assert.Equal("lda", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Require.Matrix<float>(a, lda, rows: 4, cols: 3));
        Assert.Equal("a", e.ParamName);
        Assert.Contains("needs at least 18", e.Message);
    }
}
