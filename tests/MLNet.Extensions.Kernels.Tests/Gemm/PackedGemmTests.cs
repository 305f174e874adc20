using MLNet.Extensions.Kernels.Gemm;
using MLNet.Extensions.Kernels.Tests.Reference;
using MLNet.Extensions.TestUtilities;

namespace MLNet.Extensions.Kernels.Tests.Gemm;

public class PackedGemmTests
{
    public static TheoryData<VectorWidth> Widths() => VectorWidthScope.SupportedWidths();

    // Edge tiles in both directions, K past one depth block (256) and N past one column panel (4096).
    private static readonly (int M, int N, int K)[] s_shapes =
    [
        (1, 1, 1), (7, 33, 17), (32, 512, 128), (13, 128, 512), (64, 100, 300), (3, 4100, 5),
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
                Check(ta, tb, m, n, k, alpha: 1f, beta: 1f, seed++);
                Check(ta, tb, m, n, k, alpha: -0.5f, beta: 0f, seed++);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void MatchesTheUnpackedProductBitForBit(VectorWidth width)
    {
        // Same blocking and micro-kernel as Gemm.Multiply on one thread, so the recurrent layers' results are unchanged.
        using var scope = new VectorWidthScope(width);
        using var threads = new MLNet.Extensions.Kernels.Threading.KernelThreadScope(1);
        const int m = 20, n = 96, k = 40;
        var a = RandomData.Uniform(m * k, 5);
        var b = RandomData.Uniform(k * n, 6);
        var expected = new float[m * n];
        var actual = new float[m * n];
        Kernels.Gemm.Gemm.Multiply(Transpose.No, Transpose.No, m, n, k, 1f, a, k, b, n, 0f, expected, n);
        var packed = new float[PackedGemm.PackedSize(n, k)];
        PackedGemm.PackB(Transpose.No, n, k, b, n, packed);
        PackedGemm.Multiply(Transpose.No, m, n, k, 1f, a, k, packed, 0f, actual, n);
        Assert.Equal(expected, actual);
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void PackingInPartsLeavesTheFloatsOfOnePack(VectorWidth width)
    {
        // Parts that cut inside a column block, a block with a tail panel, and more parts than panels.
        using var scope = new VectorWidthScope(width);
        foreach ((int n, int k) in new[] { (128, 3136), (3136, 128), (4100, 5), (33, 17), (7, 300) })
        foreach (bool transposed in new[] { false, true })
        {
            int ldb = transposed ? k : n;
            var b = RandomData.Uniform((transposed ? n : k) * ldb, (ulong)(n * 31 + k));
            var whole = new float[PackedGemm.PackedSize(n, k)];
            Transpose trans = transposed ? Transpose.Yes : Transpose.No;
            PackedGemm.PackB(trans, n, k, b, ldb, whole);
            foreach (int parts in new[] { 2, 3, 7 })
            {
                var pieces = new float[whole.Length];
                for (int part = parts - 1; part >= 0; part--)
                    PackedGemm.PackBShare(trans, n, k, b, ldb, pieces, part, parts);
                Assert.True(whole.AsSpan().SequenceEqual(pieces), $"n={n} k={k} transposed={transposed} parts={parts}");
            }
        }
    }

    [Fact]
    public void PartOutsideItsRangeNamesTheArgument()
    {
        var b = new float[4 * 8];
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() =>
            PackedGemm.PackBShare(Transpose.No, 8, 4, b, 8, new float[PackedGemm.PackedSize(8, 4)], part: 2, parts: 2));
        Assert.Equal("part", ex.ParamName);
    }

    [Fact]
    public void ShortPackedBufferNamesTheArgument()
    {
        var b = new float[4 * 8];
        var ex = Assert.Throws<ArgumentException>(() => PackedGemm.PackB(Transpose.No, 8, 4, b, 8, new float[8]));
        Assert.Equal("packed", ex.ParamName);
    }

    private static void Check(bool ta, bool tb, int m, int n, int k, float alpha, float beta, ulong seed)
    {
        int lda = ta ? m : k, ldb = tb ? k : n;
        var a = RandomData.Uniform((ta ? k : m) * lda, seed);
        var b = RandomData.Uniform((tb ? n : k) * ldb, seed + 1000);
        var c = RandomData.Uniform(m * n, seed + 2000);
        double[] expected = ReferenceGemm.Multiply(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, n);
        var packed = new float[PackedGemm.PackedSize(n, k)];
        PackedGemm.PackB(tb ? Transpose.Yes : Transpose.No, n, k, b, ldb, packed);
        PackedGemm.Multiply(ta ? Transpose.Yes : Transpose.No, m, n, k, alpha, a, lda, packed, beta, c, n);
        Tolerance.AssertClose(expected, c, relative: 1e-4, absolute: 1e-4 * Math.Sqrt(k), what: $"C[{m}x{n}x{k} ta={ta} tb={tb}]");
    }
}
