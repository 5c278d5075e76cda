// The `deployguard` command-line tool arrives with the secret-scanning issue (#4).
Console.Error.WriteLine("deployguard: no commands yet (see issue 4).");
return 2;
