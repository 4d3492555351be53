using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.GenerativeRec.Benchmarks.Reporting;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TorchSharp;
using HistoryRow = Microsoft.ML.GenerativeRec.Benchmarks.Performance.ServingProbe.HistoryRow;
using RecommendationRow = Microsoft.ML.GenerativeRec.Benchmarks.Performance.ServingProbe.RecommendationRow;

namespace Microsoft.ML.GenerativeRec.Benchmarks.Performance;

/// <summary>
/// Serving through ONNX Runtime against serving through TorchSharp (issue #17), side by side in one run: single
/// predictions (p50/p99), batched scoring of all 6,040 ML-1M test users, the process working set of each (each in a fresh
/// child process; the ONNX one never loads TorchSharp), the HTTP sample under 8 concurrent clients, and the size of
/// what a deployment carries (the published app folder) each way.
/// </summary>
internal static class OnnxServingRun
{
    private const int WarmUpCalls = 200;
    private const int BatchSize = 256;                 // the rows SequentialRecommenderTransformer.Transform scores per call
    private const int HttpClients = 8;
    private const int HttpRequestsPerClient = 2_000;

    public static int Run(string[] args)
    {
        var environment = BenchmarkEnvironment.Capture();
        string root = environment.RepositoryRoot;
        string data = args.Length > 0 ? args[0] : Path.Combine(root, "data", "ml-1m");
        int calls = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5_000;
        string work = Path.Combine(root, "artifacts", "onnx-serving");
        Directory.CreateDirectory(work);
        var total = Stopwatch.StartNew();

        // The model of `perf`'s serving probe: HSTU, one epoch on the all-users sequences file (no timestamps).
        var mlContext = new MLContext(seed: 1);
        var sequences = MovieLens.LoadSequences(mlContext, Path.Combine(data, "sequences.all-users.txt.gz"));
        var split = mlContext.Recommendation().Data.LeaveOneOutSplit(sequences);
        string zip = Path.Combine(work, "hstu.zip"), onnx = Path.Combine(work, "hstu.onnx"), histories = Path.Combine(work, "histories.txt");
        var options = new HstuTrainer.Options { NumberOfEpochs = 1, Seed = 1 };
        using (var model = mlContext.Recommendation().Trainers.Hstu(options).Fit(split.Train))
        {
            mlContext.Model.Save(model, split.Train.Schema, zip);
            using var file = File.Create(onnx);
            mlContext.Recommendation().ConvertToOnnx(model, file);
        }

        File.WriteAllLines(histories, split.Test.GetColumn<int[]>(ColumnNames.History).Select(h => string.Join(' ', h)));
        Log($"model trained and exported in {total.Elapsed.TotalSeconds:F0} s: {new FileInfo(onnx).Length / 1e6:F1} MB of ONNX");

        var torchFigures = RunChild("onnx-serving-torch", zip, histories, calls);
        Log($"TorchSharp: {torchFigures.ToJsonString()}");
        var onnxFigures = RunChild("onnx-serving-ort", onnx, histories, calls);
        Log($"ONNX Runtime: {onnxFigures.ToJsonString()}");

        string serviceFolder = Publish(root, Path.Combine("samples", "RecommendationService", "RecommendationService.csproj"), Path.Combine(work, "publish-onnx"));
        string torchFolder = Publish(root, Path.Combine("samples", "MovieLens", "MovieLens.csproj"), Path.Combine(work, "publish-torchsharp"));
        var http = MeasureService(Path.Combine(serviceFolder, "GenerativeRec.RecommendationService.dll"), onnx, histories);
        Log($"HTTP: {http.ToJsonString()}");

        double torchMb = FolderMb(torchFolder), onnxMb = FolderMb(serviceFolder);
        var figures = new JsonObject
        {
            ["torchsharp_prediction_p50_ms"] = torchFigures["prediction_p50_ms"]?.DeepClone(),
            ["onnx_prediction_p50_ms"] = onnxFigures["prediction_p50_ms"]?.DeepClone(),
            ["torchsharp_prediction_p99_ms"] = torchFigures["prediction_p99_ms"]?.DeepClone(),
            ["onnx_prediction_p99_ms"] = onnxFigures["prediction_p99_ms"]?.DeepClone(),
            ["torchsharp_batched_users_per_second"] = torchFigures["batched_users_per_second"]?.DeepClone(),
            ["onnx_batched_users_per_second"] = onnxFigures["batched_users_per_second"]?.DeepClone(),
            ["torchsharp_peak_working_set_mb"] = torchFigures["peak_working_set_mb"]?.DeepClone(),
            ["onnx_peak_working_set_mb"] = onnxFigures["peak_working_set_mb"]?.DeepClone(),
            ["torchsharp_published_app_mb"] = Math.Round(torchMb, 1),
            ["onnx_published_app_mb"] = Math.Round(onnxMb, 1),
            ["deployment_size_ratio"] = Math.Round(torchMb / onnxMb, 1),
            ["http_requests_per_second"] = http["requests_per_second"]?.DeepClone(),
            ["http_p50_ms"] = http["p50_ms"]?.DeepClone(),
            ["http_p99_ms"] = http["p99_ms"]?.DeepClone(),
            ["http_errors"] = http["errors"]?.DeepClone(),
            ["http_service_peak_working_set_mb"] = http["peak_working_set_mb"]?.DeepClone(),
        };
        var json = new JsonObject
        {
            ["kind"] = "performance",
            ["dataset"] = "ml-1m-sequences",
            ["model"] = "hstu",
            ["protocol"] = "serving",
            ["config"] = new JsonObject
            {
                ["epochs"] = 1, ["embedding_dimension"] = 50, ["blocks"] = 2, ["max_sequence_length"] = 200, ["single_prediction_threads"] = 1,
                ["batched_threads"] = 2, ["batch_size"] = BatchSize, ["http_clients"] = HttpClients, ["http_requests_per_client"] = HttpRequestsPerClient,
                ["published"] = "dotnet publish -c Release -r linux-x64 --self-contained false; TorchSharp side: samples/MovieLens (library + TorchSharp-cpu)",
            },
            ["figures"] = figures,
            ["details"] = new JsonObject { ["torchsharp"] = torchFigures, ["onnx"] = onnxFigures, ["http"] = http, ["onnx_model_mb"] = Math.Round(new FileInfo(onnx).Length / 1e6, 2) },
            ["run_seconds"] = Math.Round(total.Elapsed.TotalSeconds, 1),
            ["command"] = "dotnet run -c Release --project test/Microsoft.ML.GenerativeRec.Benchmarks -- onnx-serving",
            ["commit"] = environment.Commit,
            ["machine"] = environment.Machine,
            ["date"] = environment.Date,
        };
        Console.WriteLine(ResultFiles.Write(root, "performance-onnx-serving.json", json));
        return 0;
    }

    /// <summary>The TorchSharp child: <c>PredictionEngine</c> calls, then <c>Transform</c> over every history.</summary>
    public static int RunTorchChild(string zip, string historiesFile, int calls)
    {
        int[][] histories = ReadHistories(historiesFile);
        var mlContext = new MLContext(seed: 1);
        var model = mlContext.Model.Load(zip, out _);
        torch.set_num_threads(1);
        var engine = mlContext.Model.CreatePredictionEngine<HistoryRow, RecommendationRow>(model);
        var output = new RecommendationRow();
        double[] latencies = Time(calls, i => engine.Predict(new HistoryRow { History = histories[(i * 7919) % histories.Length] }, ref output));

        torch.set_num_threads(2);
        var view = mlContext.Data.LoadFromEnumerable(histories.Select(h => new HistoryRow { History = h }));
        var clock = Stopwatch.StartNew();
        long rows = 0;
        foreach (var row in mlContext.Data.CreateEnumerable<RecommendationRow>(model.Transform(view), reuseRowObject: true))
            rows += row.PredictedItems.Length > 0 ? 1 : 0;
        return Report(latencies, rows, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The ONNX Runtime child: one session per thread setting, single rows, then batches padded with −1.</summary>
    public static int RunOnnxChild(string onnx, string historiesFile, int calls)
    {
        int[][] histories = ReadHistories(historiesFile);
        using var single = new InferenceSession(onnx, new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 });
        double[] latencies = Time(calls, i => Score(single, [histories[(i * 7919) % histories.Length]]));

        using var batched = new InferenceSession(onnx, new SessionOptions { IntraOpNumThreads = 2, InterOpNumThreads = 1 });
        var clock = Stopwatch.StartNew();
        long rows = 0;
        foreach (int[][] batch in histories.Chunk(BatchSize))
            rows += Score(batched, batch);
        return Report(latencies, rows, clock.Elapsed.TotalSeconds);
    }

    // One ORT call over rows padded to the longest with −1, an id no model knows (docs/onnx.md); returns the rows scored.
    private static int Score(InferenceSession session, int[][] rows)
    {
        int length = rows.Max(r => r.Length);
        var ids = new DenseTensor<int>([rows.Length, length]);
        for (int b = 0; b < rows.Length; b++)
        {
            for (int t = 0; t < length; t++)
                ids[b, t] = t < rows[b].Length ? rows[b][t] : -1;
        }

        using var results = session.Run([NamedOnnxValue.CreateFromTensor(ColumnNames.History, ids)]);
        return results.First(r => r.Name == ColumnNames.PredictedItems).AsTensor<int>().Dimensions[0];
    }

    private static double[] Time(int calls, Action<int> call)
    {
        for (int i = 0; i < WarmUpCalls; i++)
            call(i);
        var latencies = new double[calls];
        for (int i = 0; i < calls; i++)
        {
            long begin = Stopwatch.GetTimestamp();
            call(i);
            latencies[i] = Stopwatch.GetElapsedTime(begin).TotalMilliseconds;
        }

        Array.Sort(latencies);
        return latencies;
    }

    private static int Report(double[] sortedLatencies, long rows, double batchedSeconds)
    {
        bool torchLoaded = AppDomain.CurrentDomain.GetAssemblies().Any(a => a.GetName().Name == "TorchSharp");
        bool libtorchMapped = File.Exists("/proc/self/maps") && File.ReadAllText("/proc/self/maps").Contains("libtorch", StringComparison.Ordinal);
        var result = new JsonObject
        {
            ["prediction_p50_ms"] = Math.Round(sortedLatencies[sortedLatencies.Length / 2], 3),
            ["prediction_p99_ms"] = Math.Round(sortedLatencies[(int)(sortedLatencies.Length * 0.99)], 3),
            ["prediction_calls"] = sortedLatencies.Length,
            ["batched_rows"] = rows,
            ["batched_seconds"] = Math.Round(batchedSeconds, 2),
            ["batched_users_per_second"] = Math.Round(rows / batchedSeconds),
            ["peak_working_set_mb"] = BenchmarkEnvironment.PeakWorkingSetMb(),
            ["torchsharp_assembly_loaded"] = torchLoaded,
            ["libtorch_mapped"] = libtorchMapped,
        };
        Console.WriteLine(result.ToJsonString());
        return 0;
    }

    private static JsonObject RunChild(string command, string model, string histories, int calls)
    {
        string output = RunProcess(Environment.ProcessPath!, Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet"
            ? [typeof(OnnxServingRun).Assembly.Location, command, model, histories, calls.ToString(CultureInfo.InvariantCulture)]
            : [command, model, histories, calls.ToString(CultureInfo.InvariantCulture)]);
        string json = output.Split('\n').LastOrDefault(l => l.StartsWith('{')) ?? throw new InvalidOperationException($"{command} printed no result: {output}");
        return (JsonObject)JsonNode.Parse(json)!;
    }

    /// <summary>Starts the published HTTP sample on a free loopback port and sends it 8 clients × 2,000 requests.</summary>
    private static JsonObject MeasureService(string serviceDll, string onnx, string historiesFile)
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in new[] { serviceDll, "--Model", onnx, "--urls", $"http://127.0.0.1:{port}", "--Logging:LogLevel:Default", "Warning" })
            start.ArgumentList.Add(arg);
        using var service = Process.Start(start) ?? throw new InvalidOperationException("The service did not start.");
        service.OutputDataReceived += (_, _) => { };
        service.ErrorDataReceived += (_, _) => { };
        service.BeginOutputReadLine();
        service.BeginErrorReadLine();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var ready = Stopwatch.StartNew();
            while (!IsReady(client))
            {
                if (ready.Elapsed > TimeSpan.FromSeconds(60) || service.HasExited)
                    throw new InvalidOperationException($"The service was not ready after {ready.Elapsed.TotalSeconds:F0} s (exited: {service.HasExited}).");
                Thread.Sleep(100);
            }

            int[][] histories = ReadHistories(historiesFile);
            var latencies = new double[HttpClients * HttpRequestsPerClient];
            long errors = 0;
            var clock = Stopwatch.StartNew();
            Task.WaitAll([.. Enumerable.Range(0, HttpClients).Select(c => Task.Run(async () =>
            {
                for (int r = 0; r < HttpRequestsPerClient; r++)
                {
                    int[] history = histories[(c * HttpRequestsPerClient + r) * 7919 % histories.Length];
                    long begin = Stopwatch.GetTimestamp();
                    using var response = await client.PostAsJsonAsync("/recommendations", new { history });
                    await response.Content.ReadAsByteArrayAsync();
                    latencies[c * HttpRequestsPerClient + r] = Stopwatch.GetElapsedTime(begin).TotalMilliseconds;
                    if (response.StatusCode != HttpStatusCode.OK)
                        Interlocked.Increment(ref errors);
                }
            }))]);
            double seconds = clock.Elapsed.TotalSeconds;
            Array.Sort(latencies);
            return new JsonObject
            {
                ["requests"] = latencies.Length,
                ["errors"] = errors,
                ["requests_per_second"] = Math.Round(latencies.Length / seconds),
                ["p50_ms"] = Math.Round(latencies[latencies.Length / 2], 3),
                ["p99_ms"] = Math.Round(latencies[(int)(latencies.Length * 0.99)], 3),
                ["peak_working_set_mb"] = PeakWorkingSetMb(service.Id),
            };
        }
        finally
        {
            service.Kill(entireProcessTree: true);
            service.WaitForExit();
        }
    }

    private static bool IsReady(HttpClient client)
    {
        try
        {
            return client.GetAsync("/ready").GetAwaiter().GetResult().StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    // VmHWM of another process, from /proc.
    private static long PeakWorkingSetMb(int pid)
    {
        string? line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? -1 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }

    private static string Publish(string root, string project, string output)
    {
        if (Directory.Exists(output))
            Directory.Delete(output, recursive: true);
        RunProcess("dotnet", ["publish", Path.Combine(root, project), "-c", "Release", "-r", "linux-x64", "--self-contained", "false", "-o", output, "-nologo", "-v", "quiet"]);
        return output;
    }

    private static double FolderMb(string folder)
        => Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) / (1024.0 * 1024.0);

    private static string RunProcess(string fileName, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string arg in arguments)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start.");
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}: {output}");
        return output;
    }

    private static int[][] ReadHistories(string path)
        => [.. File.ReadLines(path).Select(l => l.Length == 0 ? Array.Empty<int>() : Array.ConvertAll(l.Split(' '), s => int.Parse(s, CultureInfo.InvariantCulture)))];

    private static void Log(string message) => Console.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {message}");
}
