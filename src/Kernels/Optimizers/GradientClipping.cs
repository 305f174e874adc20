using System.Runtime.Intrinsics;
using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Kernels.Optimizers;

/// <summary>Rescales a gradient so its global L2 norm does not exceed a bound.</summary>
public static class GradientClipping
{
    /// <summary>Returns the norm before clipping; when it exceeds <paramref name="maxNorm"/>, scales gradients by maxNorm / norm.</summary>
    public static float ClipByGlobalNorm(Span<float> gradients, float maxNorm)
    {
        // Four interleaved double sums break the add-latency chain of one; their count and order are fixed, so the norm
        // (and the clipped gradient) is the same on every machine and SIMD width.
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i <= gradients.Length - 4; i += 4)
        {
            s0 += (double)gradients[i] * gradients[i];
            s1 += (double)gradients[i + 1] * gradients[i + 1];
            s2 += (double)gradients[i + 2] * gradients[i + 2];
            s3 += (double)gradients[i + 3] * gradients[i + 3];
        }
        for (; i < gradients.Length; i++)
            s0 += (double)gradients[i] * gradients[i];
        float norm = (float)Math.Sqrt((s0 + s1) + (s2 + s3));
        if (norm > maxNorm && norm > 0)
            Scale(gradients, maxNorm / norm);
        return norm;
    }

    private static unsafe void Scale(Span<float> values, float scale)
    {
        fixed (float* p = values)
        {
            switch (KernelSettings.EffectiveVectorWidth)
            {
                case VectorWidth.Bits512: Scale<Simd512, Vector512<float>>(p, values.Length, scale); break;
                case VectorWidth.Bits256: Scale<Simd256, Vector256<float>>(p, values.Length, scale); break;
                case VectorWidth.Bits128: Scale<Simd128, Vector128<float>>(p, values.Length, scale); break;
                default: Scale<SimdScalar, float>(p, values.Length, scale); break;
            }
        }
    }

    private static unsafe void Scale<TOps, TVector>(float* p, int length, float scale)
        where TOps : ISimd<TVector>
        where TVector : struct
    {
        TVector factor = TOps.Broadcast(scale);
        int i = 0;
        for (; i <= length - TOps.Count; i += TOps.Count)
            TOps.Store(TOps.Multiply(TOps.Load(p + i), factor), p + i);
        for (; i < length; i++)
            p[i] *= scale;
    }
}
