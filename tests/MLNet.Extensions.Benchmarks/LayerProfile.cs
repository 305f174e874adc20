using System.Diagnostics;
using MLNet.Extensions.Kernels;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Network;
using MLNet.Extensions.Trainers.Network.Specs;

namespace MLNet.Extensions.Benchmarks;

/// <summary>Prints the median forward and backward time of every layer of a CNN for one batch: where training time goes.</summary>
public static class LayerProfile
{
    /// <summary>Profiles the default CNN (or LeNet) on 1x28x28 input, batch 64.</summary>
    public static void Run(bool lenet = false)
    {
        LayerStack body = lenet ? Training.Throughput.LeNet : CnnOptions.DefaultLayers;
        var network = new NeuralNetwork(new InputLayout(new TensorShape(1, 28, 28)), new LayerStack([.. body, new DenseSpec(10)]));
        network.Initialize(1);
        var workspace = network.CreateWorkspace(64, 1);
        var random = new Random(1);
        for (int i = 0; i < 64 * 784; i++)
            workspace.Input[i] = (float)random.NextDouble();
        var layers = network.Sequential.Layers;
        var forward = new List<double>[layers.Count];
        var backward = new List<double>[layers.Count];
        for (int l = 0; l < layers.Count; l++) { forward[l] = []; backward[l] = []; }
        var dOut = new float[64 * 10];
        for (int rep = 0; rep < 150; rep++)
        {
            var timing = network.Sequential.ProfiledStep(workspace, 64, network.Buffer, dOut);
            if (rep < 50)
                continue; // let tiered compilation finish before measuring
            for (int l = 0; l < layers.Count; l++) { forward[l].Add(timing[l].Forward); backward[l].Add(timing[l].Backward); }
        }
        double total = 0;
        for (int l = 0; l < layers.Count; l++)
        {
            double f = Median(forward[l]), b = Median(backward[l]);
            total += f + b;
            Console.WriteLine($"{layers[l].Description,-40} forward {f,8:F3} ms  backward {b,8:F3} ms");
        }
        Console.WriteLine($"total {total:F2} ms per batch of 64 -> {64 / total * 1000:F0} samples/s ({KernelSettings.ThreadCount} threads)");
    }

    private static double Median(List<double> values) { values.Sort(); return values[values.Count / 2]; }
}
