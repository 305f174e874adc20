using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Kernels.Convolution;

/// <summary>1-D convolution: gathering zero-padded windows into rows and adding window gradients back.</summary>
public static partial class Conv1d
{
    /// <summary>
    /// columns (rows, K*C) := the windows of output rows [firstRow, firstRow + rows), row r = n*T_out + t, with zeros where
    /// a tap falls in the padding. At dilation 1 a window is one run of the channels-last sequence, copied at once.
    /// </summary>
    private static void Gather(in Conv1dShape s, ReadOnlySpan<float> input, int firstRow, int rows, Span<float> columns)
    {
        int c = s.InputChannels, window = s.WindowSize, outSteps = s.OutputSteps;
        for (int i = 0; i < rows; i++)
        {
            int n = (firstRow + i) / outSteps, start = (firstRow + i) % outSteps * s.Stride - s.PadLeft;
            ReadOnlySpan<float> sequence = input.Slice(n * s.Steps * c, s.Steps * c);
            Span<float> target = columns.Slice(i * window, window);
            if (s.Dilation == 1)
            {
                int k0 = Math.Max(0, -start), k1 = Math.Min(s.KernelSize, s.Steps - start);
                if (k1 <= k0)
                {
                    target.Clear();
                    continue;
                }
                target[..(k0 * c)].Clear();
                sequence.Slice((start + k0) * c, (k1 - k0) * c).CopyTo(target[(k0 * c)..]);
                target[(k1 * c)..].Clear();
                continue;
            }
            for (int k = 0; k < s.KernelSize; k++)
            {
                int p = start + k * s.Dilation;
                if ((uint)p < (uint)s.Steps)
                    sequence.Slice(p * c, c).CopyTo(target.Slice(k * c, c));
                else
                    target.Slice(k * c, c).Clear();
            }
        }
    }

    /// <summary>dInput += every window gradient of rows [firstRow, firstRow + rows) back in place (the adjoint of <see cref="Gather"/>).</summary>
    private static void Scatter(in Conv1dShape s, ReadOnlySpan<float> columns, int firstRow, int rows, Span<float> dInput)
    {
        int c = s.InputChannels, window = s.WindowSize, outSteps = s.OutputSteps;
        for (int i = 0; i < rows; i++)
        {
            int n = (firstRow + i) / outSteps, start = (firstRow + i) % outSteps * s.Stride - s.PadLeft;
            Span<float> sequence = dInput.Slice(n * s.Steps * c, s.Steps * c);
            ReadOnlySpan<float> source = columns.Slice(i * window, window);
            if (s.Dilation == 1)
            {
                int k0 = Math.Max(0, -start), k1 = Math.Min(s.KernelSize, s.Steps - start);
                if (k1 > k0)
                    Elementwise.AddInPlace(sequence.Slice((start + k0) * c, (k1 - k0) * c), source.Slice(k0 * c, (k1 - k0) * c));
                continue;
            }
            for (int k = 0; k < s.KernelSize; k++)
            {
                int p = start + k * s.Dilation;
                if ((uint)p < (uint)s.Steps)
                    Elementwise.AddInPlace(sequence.Slice(p * c, c), source.Slice(k * c, c));
            }
        }
    }
}
