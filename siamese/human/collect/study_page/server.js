// No study server: the answers are saved with jsPsych's localSave at the end (python -m siamese.rate STUDY serves
// its own server.js, which names the API the answers are POSTed to, one by one).
window.STUDY_SERVER = null;
