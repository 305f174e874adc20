using MLNet.Extensions.Kernels.Convolution;

namespace MLNet.Extensions.Kernels.Tests.Reference;

/// <summary>Direct convolution in double: the oracle for Conv2d.</summary>
internal static class ReferenceConv2d
{
    public static double[] Forward(Conv2dShape s, double[] input, double[] weights, double[]? bias)
    {
        var output = new double[s.OutputSize];
        for (int n = 0; n < s.Batch; n++)
        for (int o = 0; o < s.OutChannels; o++)
        for (int y = 0; y < s.OutHeight; y++)
        for (int x = 0; x < s.OutWidth; x++)
        {
            double sum = bias is null ? 0 : bias[o];
            for (int c = 0; c < s.InChannels; c++)
            for (int ky = 0; ky < s.KernelHeight; ky++)
            for (int kx = 0; kx < s.KernelWidth; kx++)
            {
                int iy = y * s.StrideHeight - s.PadHeight + ky, ix = x * s.StrideWidth - s.PadWidth + kx;
                if (iy < 0 || iy >= s.Height || ix < 0 || ix >= s.Width)
                    continue;
                sum += input[((n * s.InChannels + c) * s.Height + iy) * s.Width + ix]
                    * weights[((o * s.InChannels + c) * s.KernelHeight + ky) * s.KernelWidth + kx];
            }
            output[((n * s.OutChannels + o) * s.OutHeight + y) * s.OutWidth + x] = sum;
        }
        return output;
    }

    /// <summary>dInput and dWeights, dBias of Forward for upstream dOutput, by the adjoint of the same loops.</summary>
    public static (double[] DInput, double[] DWeights, double[] DBias) Backward(Conv2dShape s, double[] input, double[] weights, double[] dOutput)
    {
        var dInput = new double[s.InputSize];
        var dWeights = new double[s.WeightSize];
        var dBias = new double[s.OutChannels];
        for (int n = 0; n < s.Batch; n++)
        for (int o = 0; o < s.OutChannels; o++)
        for (int y = 0; y < s.OutHeight; y++)
        for (int x = 0; x < s.OutWidth; x++)
        {
            double g = dOutput[((n * s.OutChannels + o) * s.OutHeight + y) * s.OutWidth + x];
            dBias[o] += g;
            for (int c = 0; c < s.InChannels; c++)
            for (int ky = 0; ky < s.KernelHeight; ky++)
            for (int kx = 0; kx < s.KernelWidth; kx++)
            {
                int iy = y * s.StrideHeight - s.PadHeight + ky, ix = x * s.StrideWidth - s.PadWidth + kx;
                if (iy < 0 || iy >= s.Height || ix < 0 || ix >= s.Width)
                    continue;
                int i = ((n * s.InChannels + c) * s.Height + iy) * s.Width + ix;
                int w = ((o * s.InChannels + c) * s.KernelHeight + ky) * s.KernelWidth + kx;
                dInput[i] += g * weights[w];
                dWeights[w] += g * input[i];
            }
        }
        return (dInput, dWeights, dBias);
    }
}
