Console.WriteLine("bertnative");
