using MLNet.Extensions.Kernels.Gemm;
using MLNet.Extensions.Kernels.Tests.Reference;
using MLNet.Extensions.TestUtilities;

namespace MLNet.Extensions.Kernels.Tests.Gemm;

public class GemmTests
{
    public static TheoryData<VectorWidth> Widths() => VectorWidthScope.SupportedWidths();

    // Sizes around the register tile (6 x 2 vectors), the KC/MC blocks (256/120) and tiny ones.
    private static readonly (int M, int N, int K)[] s_shapes =
    [
        (1, 1, 1), (1, 7, 3), (5, 1, 9), (6, 32, 1), (7, 33, 17), (13, 8, 256), (121, 35, 257), (64, 100, 31),
        (3, 65, 300), (130, 17, 5), (12, 64, 513), (2, 70, 300), (1, 512, 128), (2, 13, 21),
    ];

    [Theory]
    [MemberData(nameof(Widths))]
    public void MatchesReferenceForEveryTransposeAndShape(VectorWidth width)
    {
        using var scope = new VectorWidthScope(width);
        ulong seed = 1;
        foreach ((int m, int n, int k) in s_shapes)
        {
            foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
            {
                Check(ta, tb, m, n, k, alpha: 1f, beta: 0f, seed++);
                Check(ta, tb, m, n, k, alpha: -0.5f, beta: 0.75f, seed++);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void LeadingDimensionsLargerThanRowsAreRespected(VectorWidth width)
    {
        using var scope = new VectorWidthScope(width);
        Check(false, false, 9, 11, 13, 1f, 1f, 99, extraStride: 5);
        Check(true, true, 9, 11, 13, 2f, 0f, 98, extraStride: 3);
    }

    [Fact]
    public void BetaZeroIgnoresNaNInC()
    {
        var a = RandomData.Uniform(4 * 5, 1);
        var b = RandomData.Uniform(5 * 3, 2);
        var c = Enumerable.Repeat(float.NaN, 4 * 3).ToArray();
        Kernels.Gemm.Gemm.Multiply(Transpose.No, Transpose.No, 4, 3, 5, 1f, a, b, 0f, c);
        Assert.All(c, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void ThreadCountDoesNotChangeTheResult()
    {
        int m = 150, n = 140, k = 300;
        var a = RandomData.Uniform(m * k, 5);
        var b = RandomData.Uniform(k * n, 6);
        var one = new float[m * n];
        var two = new float[m * n];
        int saved = KernelSettings.ThreadCount;
        try
        {
            KernelSettings.ThreadCount = 1;
            Kernels.Gemm.Gemm.Multiply(Transpose.No, Transpose.Yes, m, n, k, 1f, a, k, b, k, 0f, one, n);
            KernelSettings.ThreadCount = 2;
            Kernels.Gemm.Gemm.Multiply(Transpose.No, Transpose.Yes, m, n, k, 1f, a, k, b, k, 0f, two, n);
        }
        finally
        {
            KernelSettings.ThreadCount = saved;
        }
        Assert.Equal(one, two);
    }

    [Fact]
    public void InvalidArgumentsNameTheProblem()
    {
        var small = new float[5];
        var e = Assert.Throws<ArgumentException>(() => Kernels.Gemm.Gemm.Multiply(Transpose.No, Transpose.No, 3, 3, 3, 1f, small, 3, new float[9], 3, 0f, new float[9], 3));
        Assert.Equal("a", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Kernels.Gemm.Gemm.Multiply(Transpose.No, Transpose.No, 3, 3, 3, 1f, new float[9], 2, new float[9], 3, 0f, new float[9], 3));
        Assert.Equal("lda", e.ParamName);
        Assert.ThrowsAny<ArgumentException>(() => Kernels.Gemm.Gemm.Multiply(Transpose.No, Transpose.No, -1, 3, 3, 1f, new float[9], new float[9], 0f, new float[9]));
    }

    [Fact]
    public void EmptyDepthScalesC()
    {
        var c = new float[] { 1, 2, 3, 4 };
        Kernels.Gemm.Gemm.Multiply(Transpose.No, Transpose.No, 2, 2, 0, 1f, [], 1, [], 2, 0.5f, c, 2);
        Assert.Equal(new float[] { 0.5f, 1, 1.5f, 2 }, c);
    }

    private static void Check(bool ta, bool tb, int m, int n, int k, float alpha, float beta, ulong seed, int extraStride = 0)
    {
        int lda = (ta ? m : k) + extraStride, ldb = (tb ? k : n) + extraStride, ldc = n + extraStride;
        var a = RandomData.Uniform((ta ? k : m) * lda, seed);
        var b = RandomData.Uniform((tb ? n : k) * ldb, seed + 1000);
        var c = RandomData.Uniform(m * ldc, seed + 2000);
        double[] expected = ReferenceGemm.Multiply(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        Kernels.Gemm.Gemm.Multiply(ta ? Transpose.Yes : Transpose.No, tb ? Transpose.Yes : Transpose.No, m, n, k,
            alpha, a, lda, b, ldb, beta, c, ldc);
        var actual = new float[m * n];
        for (int i = 0; i < m; i++)
            c.AsSpan(i * ldc, n).CopyTo(actual.AsSpan(i * n, n));
        Tolerance.AssertClose(expected, actual, relative: 1e-4, absolute: 1e-4 * Math.Sqrt(k), what: $"C[{m}x{n}x{k} ta={ta} tb={tb}]");
    }
}
