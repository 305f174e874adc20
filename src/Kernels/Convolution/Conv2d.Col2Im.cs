using MLNet.Extensions.Kernels.Gemm;
using MLNet.Extensions.Kernels.Primitives;
using MLNet.Extensions.Kernels.Threading;

namespace MLNet.Extensions.Kernels.Convolution;

/// <summary>2-D convolution: scattering columns back to an image.</summary>
public static partial class Conv2d
{
    /// <summary>image (C, H, W) := the sum of every patch's gradient back into place (the adjoint of lowering patches to columns).</summary>
    private static void Col2Im(in Conv2dShape s, ReadOnlySpan<float> columns, int rowStride, Span<float> image)
    {
        image.Clear();
        int oh = s.OutHeight, ow = s.OutWidth, row = 0;
        for (int c = 0; c < s.InChannels; c++)
        for (int ky = 0; ky < s.KernelHeight; ky++)
        for (int kx = 0; kx < s.KernelWidth; kx++, row++)
        {
            ReadOnlySpan<float> source = columns.Slice(row * rowStride, oh * ow);
            int x0 = Math.Max(0, (s.PadWidth - kx + s.StrideWidth - 1) / s.StrideWidth);
            int x1 = Math.Min(ow, (s.Width + s.PadWidth - kx + s.StrideWidth - 1) / s.StrideWidth);
            if (x1 <= x0)
                continue;
            for (int y = 0; y < oh; y++)
            {
                int iy = y * s.StrideHeight - s.PadHeight + ky;
                if ((uint)iy >= (uint)s.Height)
                    continue;
                Span<float> target = image.Slice((c * s.Height + iy) * s.Width, s.Width);
                int ix0 = x0 * s.StrideWidth - s.PadWidth + kx;
                if (s.StrideWidth == 1)
                {
                    Elementwise.AddInPlace(target.Slice(ix0, x1 - x0), source.Slice(y * ow + x0, x1 - x0));
                }
                else
                {
                    for (int x = x0; x < x1; x++)
                        target[ix0 + (x - x0) * s.StrideWidth] += source[y * ow + x];
                }
            }
        }
    }
}
