using MLNet.Extensions.Kernels.Recurrent;

namespace MLNet.Extensions.Kernels.Tests.Reference;

/// <summary>A step-by-step reset-after GRU in double with the padding rule (state carried past each sequence's length).</summary>
internal static class ReferenceGru
{
    /// <summary>Returns hidden states (T, N, H).</summary>
    public static double[] Forward(GruShape s, double[] x, double[] wIh, double[] wHh, double[] bIh, double[] bHh, double[]? h0, int[]? lengths)
    {
        int n = s.Batch, t = s.Steps, f = s.InputSize, h = s.HiddenSize;
        var hidden = new double[t * n * h];
        var hPrev = h0 is null ? new double[n * h] : (double[])h0.Clone();
        for (int step = 0; step < t; step++)
        {
            for (int b = 0; b < n; b++)
            {
                if (lengths is null || step < lengths[b])
                {
                    var hNew = new double[h];
                    for (int j = 0; j < h; j++)
                    {
                        double InputPart(int g)
                        {
                            double sum = bIh[g * h + j];
                            for (int k = 0; k < f; k++)
                                sum += wIh[(g * h + j) * f + k] * x[(step * n + b) * f + k];
                            return sum;
                        }
                        double RecurrentPart(int g)
                        {
                            double sum = bHh[g * h + j];
                            for (int k = 0; k < h; k++)
                                sum += wHh[(g * h + j) * h + k] * hPrev[b * h + k];
                            return sum;
                        }
                        double r = Sigmoid(InputPart(0) + RecurrentPart(0));
                        double z = Sigmoid(InputPart(1) + RecurrentPart(1));
                        double nn = Math.Tanh(InputPart(2) + r * RecurrentPart(2));
                        hNew[j] = (1 - z) * nn + z * hPrev[b * h + j];
                    }
                    Array.Copy(hNew, 0, hPrev, b * h, h);
                }
                Array.Copy(hPrev, b * h, hidden, (step * n + b) * h, h);
            }
        }
        return hidden;
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
}
