using System.Runtime.Intrinsics;
using MLNet.Extensions.Kernels.Gemm;
using MLNet.Extensions.Kernels.Primitives;
using MLNet.Extensions.TestUtilities;

namespace MLNet.Extensions.Kernels.Tests.Gemm;

/// <summary>
/// The one micro-kernel at tile heights the GEMM ships (6, 8) and ones it does not (1, 5, 7), to show that the
/// compile-time row count really selects the rows: each must update exactly its MR x NR tile and nothing around it.
/// </summary>
public class MicroKernelTests
{
    public static TheoryData<VectorWidth> Widths() => VectorWidthScope.SupportedWidths();

    private readonly struct OneRow : ITileRows
    {
        public static int Count => 1;
    }

    private readonly struct FiveRows : ITileRows
    {
        public static int Count => 5;
    }

    private readonly struct SevenRows : ITileRows
    {
        public static int Count => 7;
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void EveryTileHeightMatchesTheReference(VectorWidth width)
    {
        switch (width)
        {
            case VectorWidth.Bits512: CheckHeights<Simd512, Vector512<float>>(); break;
            case VectorWidth.Bits256: CheckHeights<Simd256, Vector256<float>>(); break;
            case VectorWidth.Bits128: CheckHeights<Simd128, Vector128<float>>(); break;
            default: CheckHeights<SimdScalar, float>(); break;
        }
    }

    private static void CheckHeights<TSimd, TVector>()
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        Check<MicroKernel<OneRow, TSimd, TVector>>();
        Check<MicroKernel<FiveRows, TSimd, TVector>>();
        Check<MicroKernel<SixRows, TSimd, TVector>>();
        Check<MicroKernel<SevenRows, TSimd, TVector>>();
        Check<MicroKernel<EightRows, TSimd, TVector>>();
    }

    private static unsafe void Check<TKernel>() where TKernel : IMicroKernel
    {
        int mr = TKernel.MR, nr = TKernel.NR, kc = 37, ldc = nr + 3;
        float[] a = RandomData.Uniform(kc * mr, (ulong)mr);
        float[] b = RandomData.Uniform(kc * nr, (ulong)(100 + nr));
        // One spare row below the tile and 3 spare columns right of it, which must keep their values.
        float[] c0 = RandomData.Uniform((mr + 1) * ldc, 7);
        foreach ((float alpha, float beta) in new[] { (1f, 0f), (1f, 1f), (-0.5f, 0.75f) })
        {
            float[] c = (float[])c0.Clone();
            if (beta == 0f)
            {
                for (int i = 0; i < mr; i++)
                    c.AsSpan(i * ldc, nr).Fill(float.NaN); // beta = 0 must not read C
            }
            var expected = new double[c.Length];
            for (int i = 0; i < c.Length; i++)
                expected[i] = c0[i];
            for (int i = 0; i < mr; i++)
            {
                for (int j = 0; j < nr; j++)
                {
                    double sum = 0;
                    for (int p = 0; p < kc; p++)
                        sum += (double)a[p * mr + i] * b[p * nr + j];
                    expected[i * ldc + j] = alpha * sum + (beta == 0f ? 0 : beta * (double)c0[i * ldc + j]);
                }
            }
            fixed (float* pa = a, pb = b, pc = c)
                TKernel.Run(kc, pa, pb, pc, ldc, alpha, beta);
            // kc = 37 products of values in [-1, 1): float accumulation error stays far below 1e-5 * sqrt(kc).
            Tolerance.AssertClose(expected, c, relative: 1e-5, absolute: 1e-5 * Math.Sqrt(kc),
                what: $"C[{mr}x{nr} alpha={alpha} beta={beta}]");
        }
    }
}
