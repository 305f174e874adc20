using System.Globalization;
using System.Reflection;
using MLNet.Extensions.Snippets.Tests.Support;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Forecasting;
using MLNet.Extensions.Trainers.Lstm;

namespace MLNet.Extensions.Snippets.Tests;

/// <summary>The README's "Defaults" table states exactly what a freshly constructed options record holds.</summary>
public sealed class DefaultsTableTests
{
    /// <summary>The option records, in the table's column order.</summary>
    private static readonly object[] s_options = [new CnnOptions(), new LstmOptions(), new LstmForecastingOptions()];

    [Fact]
    public void ReadmeDefaultsTableMatchesTheOptionRecords()
    {
        string text = File.ReadAllText(Repository.PathOf("README.md")).ReplaceLineEndings("\n");
        int start = text.IndexOf("<!-- defaults-table -->", StringComparison.Ordinal);
        int end = text.IndexOf("<!-- /defaults-table -->", StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "README.md has no <!-- defaults-table --> ... <!-- /defaults-table --> block.");
        string[] rows = text[start..end].Split('\n').Where(l => l.StartsWith('|')).ToArray();
        string[] header = Cells(rows[0]);
        Assert.Equal(s_options.Select(o => $"`{o.GetType().Name}`"), header[1..(1 + s_options.Length)]);

        int checkedRows = 0;
        foreach (string row in rows.Skip(2))
        {
            string[] cells = Cells(row);
            string option = cells[0].Trim('`');
            for (int i = 0; i < s_options.Length; i++)
            {
                PropertyInfo? property = s_options[i].GetType().GetProperty(option);
                string expected = property is null ? "" : $"`{Format(property.GetValue(s_options[i]))}`";
                Assert.True(expected == cells[1 + i], $"README Defaults table: {option} of {s_options[i].GetType().Name} says '{cells[1 + i]}', the record holds {expected}.");
            }
            bool differ = s_options.Select(o => o.GetType().GetProperty(option)?.GetValue(o)).Where(v => v is not null).Distinct().Count() > 1;
            Assert.True(!differ || cells[^1].Length > 0, $"README Defaults table: {option} differs between trainers but the row gives no reason.");
            checkedRows++;
        }
        Assert.True(checkedRows >= 10, $"README Defaults table has only {checkedRows} rows.");
    }

    private static string[] Cells(string row) => row.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();

    private static string Format(object? value) => value switch
    {
        float f => f.ToString(CultureInfo.InvariantCulture),
        null => "null",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture)!,
    };
}
