using System.Runtime.Intrinsics;
using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Kernels.Pooling;

/// <summary>Max pooling over channels-last sequences (N, T, C), vectorized across channels.</summary>
public static class MaxPool1d
{
    /// <summary>
    /// output (N, T_out, C) := window maxima of input (N, T, C); argmax (N, T_out, C) records each winner's step within
    /// its sequence (0..T-1), the earliest on ties. Overwrites both.
    /// </summary>
    /// <exception cref="ArgumentException">The shape is invalid or a span's length does not match it.</exception>
    public static unsafe void Forward(in Pool1dShape shape, ReadOnlySpan<float> input, Span<float> output, Span<int> argmax)
    {
        shape.Validate();
        PoolChecks.Length(input.Length, shape.InputSize, nameof(input), "N*T*C");
        PoolChecks.Length(output.Length, shape.OutputSize, nameof(output), "N*T_out*C");
        PoolChecks.Length(argmax.Length, shape.OutputSize, nameof(argmax), "N*T_out*C");
        fixed (float* pIn = input, pOut = output)
        fixed (int* pArg = argmax)
        {
            switch (PoolRows.Width)
            {
                case VectorWidth.Bits512: ForwardCore<Simd512, Vector512<float>>(shape, pIn, pOut, pArg); break;
                case VectorWidth.Bits256: ForwardCore<Simd256, Vector256<float>>(shape, pIn, pOut, pArg); break;
                case VectorWidth.Bits128: ForwardCore<Simd128, Vector128<float>>(shape, pIn, pOut, pArg); break;
                default: ForwardCore<SimdScalar, float>(shape, pIn, pOut, pArg); break;
            }
        }
    }

    private static unsafe void ForwardCore<TOps, TVector>(in Pool1dShape s, float* input, float* output, int* argmax)
        where TOps : ISimd<TVector> where TVector : struct
    {
        int c = s.Channels, outSteps = s.OutputSteps;
        for (int n = 0; n < s.Batch; n++)
        {
            for (int t = 0; t < outSteps; t++)
            {
                (int first, int end) = s.Window(t);
                long at = ((long)n * outSteps + t) * c;
                PoolRows.Max<TOps, TVector>(input + ((long)n * s.Steps + first) * c, c, end - first, c, output + at, argmax + at, first);
            }
        }
    }

    /// <summary>dInput (N, T, C) := dOutput (N, T_out, C) routed to each window's winner. Overwrites dInput.</summary>
    /// <exception cref="ArgumentException">The shape is invalid, a span's length does not match it, or argmax holds a step outside 0..T-1.</exception>
    public static void Backward(in Pool1dShape shape, ReadOnlySpan<float> dOutput, ReadOnlySpan<int> argmax, Span<float> dInput)
    {
        shape.Validate();
        PoolChecks.Length(dOutput.Length, shape.OutputSize, nameof(dOutput), "N*T_out*C");
        PoolChecks.Length(argmax.Length, shape.OutputSize, nameof(argmax), "N*T_out*C");
        PoolChecks.Length(dInput.Length, shape.InputSize, nameof(dInput), "N*T*C");
        int c = shape.Channels, outSteps = shape.OutputSteps;
        dInput.Clear();
        for (int n = 0; n < shape.Batch; n++)
        {
            Span<float> sequence = dInput.Slice(n * shape.Steps * c, shape.Steps * c);
            for (int i = n * outSteps * c; i < (n + 1) * outSteps * c; i++)
            {
                int step = argmax[i];
                if ((uint)step >= (uint)shape.Steps)
                    throw new ArgumentException($"argmax[{i}] is {step}; expected a step in 0..{shape.Steps - 1}, as Forward writes.", nameof(argmax));
                sequence[step * c + i % c] += dOutput[i];
            }
        }
    }
}
