using MLNet.Extensions.Kernels.Recurrent;

namespace MLNet.Extensions.Kernels.Tests.Reference;

/// <summary>A step-by-step LSTM in double with the padding rule (state carried past each sequence's length).</summary>
internal static class ReferenceLstm
{
    /// <summary>Returns hidden states (T, N, H).</summary>
    public static double[] Forward(LstmShape s, double[] x, double[] wIh, double[] wHh, double[] bias, double[]? h0, double[]? c0, int[]? lengths)
    {
        int n = s.Batch, t = s.Steps, f = s.InputSize, h = s.HiddenSize;
        var hidden = new double[t * n * h];
        var hPrev = h0 is null ? new double[n * h] : (double[])h0.Clone();
        var cPrev = c0 is null ? new double[n * h] : (double[])c0.Clone();
        for (int step = 0; step < t; step++)
        {
            for (int b = 0; b < n; b++)
            {
                if (lengths is null || step < lengths[b])
                {
                    var hNew = new double[h];
                    var cNew = new double[h];
                    for (int j = 0; j < h; j++)
                    {
                        double Gate(int g)
                        {
                            double sum = bias[g * h + j];
                            for (int k = 0; k < f; k++)
                                sum += wIh[(g * h + j) * f + k] * x[(step * n + b) * f + k];
                            for (int k = 0; k < h; k++)
                                sum += wHh[(g * h + j) * h + k] * hPrev[b * h + k];
                            return sum;
                        }
                        double i = Sigmoid(Gate(0)), fg = Sigmoid(Gate(1)), gg = Math.Tanh(Gate(2)), o = Sigmoid(Gate(3));
                        cNew[j] = fg * cPrev[b * h + j] + i * gg;
                        hNew[j] = o * Math.Tanh(cNew[j]);
                    }
                    Array.Copy(hNew, 0, hPrev, b * h, h);
                    Array.Copy(cNew, 0, cPrev, b * h, h);
                }
                Array.Copy(hPrev, b * h, hidden, (step * n + b) * h, h);
            }
        }
        return hidden;
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
}
