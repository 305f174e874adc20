using System.Runtime.InteropServices;
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
        float* dots = stackalloc float[4];
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
