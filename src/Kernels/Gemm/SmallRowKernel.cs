using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Kernels.Gemm;

/// <summary>
/// GEMM for a handful of rows of A (M &lt;= <see cref="MaxRows"/>), as scoring one sample produces: packing B would copy
/// more memory than the product reads, so each row of C is computed straight from B, as dot products with B's rows
/// (B transposed) or as a sum of B's rows scaled by A (B as stored).
/// </summary>
internal static unsafe class SmallRowKernel<TSimd, TVector>
    where TSimd : struct, ISimd<TVector>
    where TVector : struct
{
    /// <summary>Largest M this path takes.</summary>
    public const int MaxRows = 2;

    public static void Run(in GemmProblem p, float* a, float* b, float* c)
    {
        int w = TSimd.Count;
        float* dots = stackalloc float[8];
        for (int i = 0; i < p.M; i++)
        {
            float* cRow = c + (long)i * p.Ldc;
            // Row i of op(A) is contiguous unless A is transposed; gather it once in that case.
            float* aRow = a + (long)i * p.Lda;
            float* gathered = null;
            if (p.TransposeA)
            {
                gathered = (float*)NativeMemory.Alloc((nuint)p.K, sizeof(float));
                for (int k = 0; k < p.K; k++)
                    gathered[k] = a[(long)k * p.Lda + i];
                aRow = gathered;
            }
            try
            {
                if (p.TransposeB)
                {
                    int j = 0;
                    for (; j <= p.N - 8; j += 8)
                    {
                        // Eight rows of B per pass: eight FMA chains, and their horizontal sums reduce together in registers.
                        Dot8(aRow, b + (long)j * p.Ldb, p.Ldb, p.K, w, dots);
                        for (int q = 0; q < 8; q++)
                            cRow[j + q] = p.Beta == 0 ? p.Alpha * dots[q] : p.Alpha * dots[q] + p.Beta * cRow[j + q];
                    }
                    for (; j <= p.N - 4; j += 4)
                    {
                        // Four rows of B per pass share each load of A's row and keep four independent FMA chains busy.
                        Dot4(aRow, b + (long)j * p.Ldb, p.Ldb, p.K, w, dots);
                        for (int q = 0; q < 4; q++)
                            cRow[j + q] = p.Beta == 0 ? p.Alpha * dots[q] : p.Alpha * dots[q] + p.Beta * cRow[j + q];
                    }
                    for (; j < p.N; j++)
                    {
                        float dot = Dot(aRow, b + (long)j * p.Ldb, p.K, w);
                        cRow[j] = p.Beta == 0 ? p.Alpha * dot : p.Alpha * dot + p.Beta * cRow[j];
                    }
                }
                else
                {
                    if (p.Beta == 0)
                        new Span<float>(cRow, p.N).Clear();
                    else if (p.Beta != 1)
                        Scale(cRow, p.N, p.Beta, w);
                    for (int k = 0; k < p.K; k++)
                        AddScaled(cRow, b + (long)k * p.Ldb, p.N, p.Alpha * aRow[k], w);
                }
            }
            finally
            {
                if (gathered != null)
                    NativeMemory.Free(gathered);
            }
        }
    }

    private static float Dot(float* x, float* y, int length, int w)
    {
        TVector s0 = TSimd.Zero, s1 = TSimd.Zero;
        int k = 0;
        for (; k <= length - 2 * w; k += 2 * w)
        {
            s0 = TSimd.MultiplyAdd(TSimd.Load(x + k), TSimd.Load(y + k), s0);
            s1 = TSimd.MultiplyAdd(TSimd.Load(x + k + w), TSimd.Load(y + k + w), s1);
        }
        for (; k <= length - w; k += w)
            s0 = TSimd.MultiplyAdd(TSimd.Load(x + k), TSimd.Load(y + k), s0);
        float* lanes = stackalloc float[64];
        TSimd.Store(TSimd.Add(s0, s1), lanes);
        float sum = 0;
        for (int l = 0; l < w; l++)
            sum += lanes[l];
        for (; k < length; k++)
            sum += x[k] * y[k];
        return sum;
    }

    private static void Dot4(float* x, float* rows, int stride, int length, int w, float* result)
    {
        TVector s0 = TSimd.Zero, s1 = TSimd.Zero, s2 = TSimd.Zero, s3 = TSimd.Zero;
        float* r0 = rows, r1 = rows + stride, r2 = rows + 2L * stride, r3 = rows + 3L * stride;
        int k = 0;
        for (; k <= length - w; k += w)
        {
            TVector v = TSimd.Load(x + k);
            s0 = TSimd.MultiplyAdd(v, TSimd.Load(r0 + k), s0);
            s1 = TSimd.MultiplyAdd(v, TSimd.Load(r1 + k), s1);
            s2 = TSimd.MultiplyAdd(v, TSimd.Load(r2 + k), s2);
            s3 = TSimd.MultiplyAdd(v, TSimd.Load(r3 + k), s3);
        }
        float* lanes = stackalloc float[4 * 64];
        TSimd.Store(s0, lanes);
        TSimd.Store(s1, lanes + 64);
        TSimd.Store(s2, lanes + 128);
        TSimd.Store(s3, lanes + 192);
        for (int q = 0; q < 4; q++)
        {
            float total = 0;
            for (int l = 0; l < w; l++)
                total += lanes[q * 64 + l];
            float* row = rows + (long)q * stride;
            for (int t = k; t < length; t++)
                total += x[t] * row[t];
            result[q] = total;
        }
    }

    private static void Dot8(float* x, float* rows, int stride, int length, int w, float* result)
    {
        TVector s0 = TSimd.Zero, s1 = TSimd.Zero, s2 = TSimd.Zero, s3 = TSimd.Zero;
        TVector s4 = TSimd.Zero, s5 = TSimd.Zero, s6 = TSimd.Zero, s7 = TSimd.Zero;
        int k = 0;
        for (; k <= length - w; k += w)
        {
            TVector v = TSimd.Load(x + k);
            float* r = rows + k;
            s0 = TSimd.MultiplyAdd(v, TSimd.Load(r), s0);
            s1 = TSimd.MultiplyAdd(v, TSimd.Load(r + stride), s1);
            s2 = TSimd.MultiplyAdd(v, TSimd.Load(r + 2L * stride), s2);
            s3 = TSimd.MultiplyAdd(v, TSimd.Load(r + 3L * stride), s3);
            s4 = TSimd.MultiplyAdd(v, TSimd.Load(r + 4L * stride), s4);
            s5 = TSimd.MultiplyAdd(v, TSimd.Load(r + 5L * stride), s5);
            s6 = TSimd.MultiplyAdd(v, TSimd.Load(r + 6L * stride), s6);
            s7 = TSimd.MultiplyAdd(v, TSimd.Load(r + 7L * stride), s7);
        }
        ReduceEight(s0, s1, s2, s3, s4, s5, s6, s7, result);
        if (k == length)
            return;
        for (int q = 0; q < 8; q++)
        {
            float* row = rows + (long)q * stride;
            float total = result[q];
            for (int t = k; t < length; t++)
                total += x[t] * row[t];
            result[q] = total;
        }
    }

    /// <summary>result[q] := sum of the lanes of s_q, by pairwise horizontal adds where the width has them.</summary>
    private static void ReduceEight(TVector s0, TVector s1, TVector s2, TVector s3, TVector s4, TVector s5, TVector s6, TVector s7, float* result)
    {
        if (typeof(TVector) == typeof(Vector512<float>))
        {
            Vector256<float> Fold(TVector v) => Unsafe.As<TVector, Vector512<float>>(ref v).GetLower() + Unsafe.As<TVector, Vector512<float>>(ref v).GetUpper();
            ReduceEight256(Fold(s0), Fold(s1), Fold(s2), Fold(s3), Fold(s4), Fold(s5), Fold(s6), Fold(s7), result);
        }
        else if (typeof(TVector) == typeof(Vector256<float>))
        {
            ReduceEight256(Unsafe.As<TVector, Vector256<float>>(ref s0), Unsafe.As<TVector, Vector256<float>>(ref s1),
                Unsafe.As<TVector, Vector256<float>>(ref s2), Unsafe.As<TVector, Vector256<float>>(ref s3),
                Unsafe.As<TVector, Vector256<float>>(ref s4), Unsafe.As<TVector, Vector256<float>>(ref s5),
                Unsafe.As<TVector, Vector256<float>>(ref s6), Unsafe.As<TVector, Vector256<float>>(ref s7), result);
        }
        else if (typeof(TVector) == typeof(Vector128<float>) && Sse3.IsSupported)
        {
            Vector128<float> Tree(TVector a, TVector b, TVector c, TVector d) => Sse3.HorizontalAdd(
                Sse3.HorizontalAdd(Unsafe.As<TVector, Vector128<float>>(ref a), Unsafe.As<TVector, Vector128<float>>(ref b)),
                Sse3.HorizontalAdd(Unsafe.As<TVector, Vector128<float>>(ref c), Unsafe.As<TVector, Vector128<float>>(ref d)));
            Tree(s0, s1, s2, s3).Store(result);
            Tree(s4, s5, s6, s7).Store(result + 4);
        }
        else
        {
            float* lanes = stackalloc float[8 * 64];
            TSimd.Store(s0, lanes);
            TSimd.Store(s1, lanes + 64);
            TSimd.Store(s2, lanes + 128);
            TSimd.Store(s3, lanes + 192);
            TSimd.Store(s4, lanes + 256);
            TSimd.Store(s5, lanes + 320);
            TSimd.Store(s6, lanes + 384);
            TSimd.Store(s7, lanes + 448);
            for (int q = 0; q < 8; q++)
            {
                float total = 0;
                for (int l = 0; l < TSimd.Count; l++)
                    total += lanes[q * 64 + l];
                result[q] = total;
            }
        }
    }

    /// <summary>Eight 8-lane sums at once: three levels of horizontal adds, then the two 128-bit halves added.</summary>
    private static void ReduceEight256(Vector256<float> s0, Vector256<float> s1, Vector256<float> s2, Vector256<float> s3,
        Vector256<float> s4, Vector256<float> s5, Vector256<float> s6, Vector256<float> s7, float* result)
    {
        Vector256<float> low = Avx.HorizontalAdd(Avx.HorizontalAdd(s0, s1), Avx.HorizontalAdd(s2, s3));
        Vector256<float> high = Avx.HorizontalAdd(Avx.HorizontalAdd(s4, s5), Avx.HorizontalAdd(s6, s7));
        // low = (s0..s3 over lanes 0-3 | s0..s3 over lanes 4-7); high likewise for s4..s7.
        Vector256<float> sums = Avx.Permute2x128(low, high, 0x20) + Avx.Permute2x128(low, high, 0x31);
        sums.Store(result);
    }

    private static void AddScaled(float* destination, float* source, int length, float scale, int w)
    {
        TVector s = TSimd.Broadcast(scale);
        int j = 0;
        for (; j <= length - w; j += w)
            TSimd.Store(TSimd.MultiplyAdd(TSimd.Load(source + j), s, TSimd.Load(destination + j)), destination + j);
        for (; j < length; j++)
            destination[j] += scale * source[j];
    }

    private static void Scale(float* values, int length, float scale, int w)
    {
        TVector s = TSimd.Broadcast(scale);
        int j = 0;
        for (; j <= length - w; j += w)
            TSimd.Store(TSimd.Multiply(TSimd.Load(values + j), s), values + j);
        for (; j < length; j++)
            values[j] *= scale;
    }
}
