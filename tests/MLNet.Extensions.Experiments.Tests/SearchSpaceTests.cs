using MLNet.Extensions.Trainers.Forecasting;
using MLNet.Extensions.Trainers.Lstm;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Experiments.Tests;

/// <summary>Search spaces: the code API, nested choices, ML.NET's attributes on our options, and bad input.</summary>
public class SearchSpaceTests
{
    [Fact]
    public void NestedParameterExistsOnlyUnderItsOption()
    {
        var space = new SearchSpace()
            .AddChoice("Optimizer", new ChoiceOption(OptimizerKind.Sgd, new SearchSpace().AddRange("Momentum", 0.5, 0.99)),
                new ChoiceOption(OptimizerKind.Adam))
            .AddRange("LearningRate", 1e-4, 1e-1, logScale: true);
        var random = new Random(3);
        int sgd = 0;
        for (int i = 0; i < 200; i++)
        {
            Parameters p = space.Sample(random);
            bool isSgd = p.Get<OptimizerKind>("Optimizer") == OptimizerKind.Sgd;
            sgd += isSgd ? 1 : 0;
            Assert.Equal(isSgd, p.Contains("Momentum"));
            Assert.InRange(p.Get<double>("LearningRate"), 1e-4, 1e-1);
        }
        Assert.InRange(sgd, 70, 130);
        // Grid: SGD x 3 momenta + Adam, times 3 learning rates.
        Assert.Equal(12, space.Grid(3).Count());
    }

    [Fact]
    public void LogRangeSpreadsEvenlyInTheLogarithm()
    {
        var space = new SearchSpace().AddRange("LearningRate", 1e-5, 1e-1, logScale: true);
        var random = new Random(1);
        double[] logs = Enumerable.Range(0, 4000).Select(_ => Math.Log10(space.Sample(random).Get<double>("LearningRate"))).ToArray();
        // Uniform on [-5, -1]: each unit interval holds a quarter (1000 ± 3 standard deviations of 27).
        for (int decade = -5; decade < -1; decade++)
            Assert.InRange(logs.Count(l => l >= decade && l < decade + 1), 920, 1080);
    }

    [Fact]
    public void OptionsAttributesBecomeTheSpaceAndApplyWritesThemBack()
    {
        SearchSpace space = SearchSpace.FromOptions<LstmOptions>();
        var names = space.Parameters.Select(p => p.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "LearningRate", "BatchSize", "Optimizer", "HiddenSize", "LayerCount", "Bidirectional", "Dropout", "Cell" }, names);
        var hidden = Assert.IsType<RangeDomain>(space.Parameters.Single(p => p.Name == "HiddenSize").Domain);
        Assert.True(hidden.IsInteger && hidden.LogScale);
        Assert.Equal((16.0, 256.0, 64.0), (hidden.Min, hidden.Max, hidden.Init));
        var cell = Assert.IsType<ChoiceDomain>(space.Parameters.Single(p => p.Name == "Cell").Domain);
        Assert.Equal([RecurrentKind.Lstm, RecurrentKind.Gru], cell.Options.Select(o => o.Value).Cast<RecurrentKind>());

        var template = new LstmOptions { Epochs = 7 };
        Parameters p = space.Build((key, domain) => key switch
        {
            "HiddenSize" => 32,
            "Cell" => 1,
            "Bidirectional" => 1,
            _ => domain.DefaultRaw,
        });
        LstmOptions applied = p.ApplyTo(template);
        Assert.Equal((32, RecurrentKind.Gru, true, 7), (applied.HiddenSize, applied.Cell, applied.Bidirectional, applied.Epochs));
        Assert.Equal((64, RecurrentKind.Lstm), (template.HiddenSize, template.Cell));
    }

    [Fact]
    public void ForecasterSpaceCoversWindowDifferencingAndHiddenSize()
    {
        var names = NetworkSearchSpaces.Forecaster().Parameters.Select(p => p.Name).ToArray();
        Assert.Contains("WindowSize", names);
        Assert.Contains("DifferencingOrder", names);
        Assert.Contains("HiddenSize", names);
        var options = NetworkSearchSpaces.ForecasterOptions(NetworkSearchSpaces.Forecaster().Default(), new LstmForecastingOptions());
        Assert.Equal((24, 1, 32), (options.WindowSize, options.DifferencingOrder, options.HiddenSize));
    }

    [Fact]
    public void CnnSpaceBuildsTheLayerStack()
    {
        SearchSpace space = NetworkSearchSpaces.Cnn();
        Parameters p = space.Build((key, d) => key switch { "ConvBlocks" => 3, "Filters" => 1, "KernelSize" => 1, "DenseUnits" => 1, _ => d.DefaultRaw });
        var options = NetworkSearchSpaces.CnnOptions(p, new Trainers.Cnn.CnnOptions());
        var convolutions = options.Layers!.OfType<Trainers.Network.Specs.Conv2dSpec>().ToArray();
        Assert.Equal([16, 32, 64], convolutions.Select(c => c.Filters));
        Assert.All(convolutions, c => Assert.Equal((5, 2), (c.KernelSize, c.Padding)));
        Assert.DoesNotContain(options.Layers!, l => l is Trainers.Network.Specs.DenseSpec);
    }

    [Fact]
    public void BadSpacesNameTheParameter()
    {
        Assert.Contains("'x'", Assert.Throws<ArgumentException>(() => new SearchSpace().AddRange("x", 2, 1)).Message);
        Assert.Contains("min 0", Assert.Throws<ArgumentException>(() => new SearchSpace().AddRange("lr", 0, 1, logScale: true)).Message);
        Assert.Contains("'c'", Assert.Throws<ArgumentException>(() => new SearchSpace().AddChoice("c", Array.Empty<object>())).Message);
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => new SearchSpace().AddRange("a", 0, 1).AddInteger("a", 0, 3)).Message);
        Assert.Contains("outside", Assert.Throws<ArgumentException>(() => new SearchSpace().AddRange("a", 0, 1, init: 2)).Message);
    }
}
